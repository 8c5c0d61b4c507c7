package lifecycle

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// KeyInfo is what the API shows of a signing key: never the private key.
type KeyInfo struct {
	directory.AppKey
	FingerprintSHA256 string `json:"fingerprintSha256"`
	// Expiry is samlidp.ExpiryWarning's stage: "ok", "expires within 60
	// days", ..., "expired"; ExpiryWarning is true from 60 days before.
	Expiry        string `json:"expiry"`
	ExpiryWarning bool   `json:"expiryWarning"`
	DaysLeft      int    `json:"daysLeft"`
}

// MaxKeyPEMBytes bounds an uploaded certificate or key.
const MaxKeyPEMBytes = 64 << 10

func keyAD(appID, keyID string) []byte { return []byte("app-signing-key:" + appID + ":" + keyID) }

// newAppKey generates a key pair and self-signed certificate and seals the
// private key. Status is left for the caller.
func (s *Service) newAppKey(appID string, alg samlidp.KeyAlgorithm, cn string, now time.Time) (*directory.AppKey, error) {
	kp, err := samlidp.GenerateKey(alg, cn, s.keyValidity(), now, s.rand())
	if err != nil {
		return nil, fmt.Errorf("lifecycle: generate signing key: %w", err)
	}
	return s.sealKey(appID, string(alg), kp, now)
}

func (s *Service) sealKey(appID, alg string, kp *samlidp.KeyPair, now time.Time) (*directory.AppKey, error) {
	if s.Sealer == nil {
		return nil, &directory.Error{Code: directory.EINTERNAL, Message: "the server has no master key to seal signing keys",
			Err: errors.New("lifecycle: Service.Sealer is nil")}
	}
	keyPEM, err := kp.PrivateKeyPEM()
	if err != nil {
		return nil, fmt.Errorf("lifecycle: encode signing key: %w", err)
	}
	k := &directory.AppKey{ID: s.newID(), AppID: appID, Algorithm: alg, CertificatePEM: string(kp.CertificatePEM()),
		NotBefore: kp.Certificate().NotBefore, NotAfter: kp.Certificate().NotAfter, CreatedAt: now}
	if k.SealedKey, err = s.Sealer.Seal(keyPEM, keyAD(appID, k.ID)); err != nil {
		return nil, fmt.Errorf("lifecycle: seal signing key: %w", err)
	}
	return k, nil
}

// openKey returns the key pair of a stored key.
func (s *Service) openKey(k *directory.AppKey) (*samlidp.KeyPair, error) {
	if s.Sealer == nil {
		return nil, &directory.Error{Code: directory.EINTERNAL, Message: "the server has no master key to open signing keys",
			Err: errors.New("lifecycle: Service.Sealer is nil")}
	}
	keyPEM, err := s.Sealer.Open(k.SealedKey, keyAD(k.AppID, k.ID))
	if err != nil {
		return nil, &directory.Error{Code: directory.EINTERNAL, Message: "the application's signing key cannot be opened",
			Err: fmt.Errorf("lifecycle: open key %s of app %s: %w", k.ID, k.AppID, err)}
	}
	kp, err := samlidp.ParseKeyPair([]byte(k.CertificatePEM), keyPEM)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: key %s of app %s: %w", k.ID, k.AppID, err)
	}
	return kp, nil
}

// keyInfo describes k at now.
func keyInfo(k directory.AppKey, now time.Time) KeyInfo {
	info := KeyInfo{AppKey: k}
	if cert, err := samlidp.ParseCertificatePEM([]byte(k.CertificatePEM)); err == nil {
		sum := sha256.Sum256(cert.Raw)
		info.FingerprintSHA256 = strings.ToUpper(hex.EncodeToString(sum[:]))
		stage, left := samlidp.ExpiryWarning(cert, now)
		info.Expiry, info.ExpiryWarning = stage.String(), stage != samlidp.ExpiryOK
		info.DaysLeft = int(left / (24 * time.Hour))
	}
	return info
}

// AppKeys lists an app's signing keys (active, next, retired) with their
// expiry warnings. ENOTFOUND for an unknown app.
func (s *Service) AppKeys(ctx context.Context, appID string) ([]KeyInfo, error) {
	var keys []directory.AppKey
	err := s.Store.View(ctx, func(tx directory.Tx) error {
		if _, err := tx.GetApp(ctx, appID); err != nil {
			return err
		}
		var err error
		keys, err = tx.ListAppKeys(ctx, appID)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]KeyInfo, 0, len(keys))
	for _, k := range keys {
		out = append(out, keyInfo(k, now))
	}
	return out, nil
}

func samlApp(tx directory.Tx, ctx context.Context, appID string) (*directory.App, error) {
	a, err := tx.GetApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	if tpl, _ := catalog.Get(a.TemplateID); !tpl.Capabilities.SSOSAML {
		return nil, directory.Errorf(directory.EPRECONDITION, "application %q has no SAML single sign-on", a.Label)
	}
	return a, nil
}

// keyChange records a key operation on the app.
func (s *Service) keyChange(actor directory.Actor, a *directory.App, now time.Time, op string, k *directory.AppKey) directory.Change {
	return appChange(actor, directory.AppKeysChanged, a, now, []directory.FieldChange{{Field: "key." + op, To: k.ID}})
}

// RegenerateKey replaces the active signing key by a new one (alg as in
// NewApp.KeyAlgorithm); the old key is kept as retired until removed. A
// prepared next key stays. The signature algorithm follows the key type.
func (s *Service) RegenerateKey(ctx context.Context, actor directory.Actor, appID, alg string) (*KeyInfo, error) {
	ka, err := checkKeyAlgorithm("algorithm", alg)
	if err != nil {
		return nil, err
	}
	cn, err := s.keyCommonName(ctx, appID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	k, err := s.newAppKey(appID, ka, cn, now)
	if err != nil {
		return nil, err
	}
	return s.installKey(ctx, actor, appID, k, directory.KeyActive, "regenerated", now)
}

// UploadKey installs an own key pair (PEM certificate chain and PEM private
// key, checked to match) as the active key; the old one is retired.
// EINVALID names "certificate" or "privateKey".
func (s *Service) UploadKey(ctx context.Context, actor directory.Actor, appID string, certPEM, keyPEM []byte) (*KeyInfo, error) {
	var fe []directory.FieldError
	if len(certPEM) == 0 || len(certPEM) > MaxKeyPEMBytes {
		fe = append(fe, directory.FieldError{Field: "certificate", Reason: "is required (PEM, at most 64 KiB)"})
	}
	if len(keyPEM) == 0 || len(keyPEM) > MaxKeyPEMBytes {
		fe = append(fe, directory.FieldError{Field: "privateKey", Reason: "is required (PEM, at most 64 KiB)"})
	}
	if len(fe) > 0 {
		return nil, directory.Invalid(fe...)
	}
	if _, err := samlidp.ParseCertificatesPEM(certPEM); err != nil {
		return nil, directory.Invalid(directory.FieldError{Field: "certificate", Reason: "is not a PEM X.509 certificate chain"})
	}
	kp, err := samlidp.ParseKeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, directory.Invalid(directory.FieldError{Field: "privateKey", Reason: "is not a PEM RSA or EC private key matching the certificate"})
	}
	now := s.now()
	if cert := kp.Certificate(); !now.Before(cert.NotAfter) {
		return nil, directory.Invalid(directory.FieldError{Field: "certificate", Reason: "has expired"})
	}
	k, err := s.sealKey(appID, "uploaded", kp, now)
	if err != nil {
		return nil, err
	}
	return s.installKey(ctx, actor, appID, k, directory.KeyActive, "uploaded", now)
}

// PrepareNextKey makes the key that will replace the active one; metadata
// publishes it as a second signing certificate so that service providers
// can trust it before ActivateNextKey. A previous next key is replaced.
func (s *Service) PrepareNextKey(ctx context.Context, actor directory.Actor, appID, alg string) (*KeyInfo, error) {
	ka, err := checkKeyAlgorithm("algorithm", alg)
	if err != nil {
		return nil, err
	}
	cn, err := s.keyCommonName(ctx, appID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	k, err := s.newAppKey(appID, ka, cn, now)
	if err != nil {
		return nil, err
	}
	return s.installKey(ctx, actor, appID, k, directory.KeyNext, "next_prepared", now)
}

// keyCommonName checks that the app exists and has SAML before a key is
// generated for it, and names the certificate after it.
func (s *Service) keyCommonName(ctx context.Context, appID string) (string, error) {
	var cn string
	err := s.Store.View(ctx, func(tx directory.Tx) error {
		a, err := samlApp(tx, ctx, appID)
		if err == nil {
			cn = certCommonName(a)
		}
		return err
	})
	return cn, err
}

// certCommonName is the subject of an app's generated certificates.
func certCommonName(a *directory.App) string {
	cn := "Jumpgate " + a.Label
	if len(cn) > 64 { // the X.520 upper bound of a common name
		cn = "Jumpgate " + a.Slug
	}
	if len(cn) > 64 {
		cn = cn[:64]
	}
	return cn
}

// installKey stores k with status st, retiring the active key (st active)
// or deleting the previous next key (st next), in one transaction.
func (s *Service) installKey(ctx context.Context, actor directory.Actor, appID string, k *directory.AppKey, st directory.KeyStatus, op string, now time.Time) (*KeyInfo, error) {
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		a, err := samlApp(tx, ctx, appID)
		if err != nil {
			return nil, err
		}
		keys, err := tx.ListAppKeys(ctx, appID)
		if err != nil {
			return nil, err
		}
		for _, old := range keys {
			switch {
			case old.Status == directory.KeyActive && st == directory.KeyActive:
				err = tx.SetAppKeyStatus(ctx, appID, old.ID, directory.KeyRetired)
			case old.Status == directory.KeyNext && st == directory.KeyNext:
				err = tx.DeleteAppKey(ctx, appID, old.ID)
			}
			if err != nil {
				return nil, err
			}
		}
		k.Status = st
		if err := tx.CreateAppKey(ctx, k); err != nil {
			return nil, err
		}
		if st == directory.KeyActive {
			if err := s.matchSignature(ctx, tx, appID, k); err != nil {
				return nil, err
			}
		}
		return []directory.Change{s.keyChange(actor, a, now, op, k)}, nil
	})
	if err != nil {
		return nil, err
	}
	info := keyInfo(*k, now)
	return &info, nil
}

// matchSignature makes the app's signature algorithm fit a new active key:
// ECDSA-SHA256 for EC keys, RSA-SHA256 for RSA keys (keeping an explicit
// RSA-SHA1 choice while the key stays RSA).
func (s *Service) matchSignature(ctx context.Context, tx directory.Tx, appID string, k *directory.AppKey) error {
	sso, err := tx.GetAppSSO(ctx, appID)
	if err != nil {
		return err
	}
	want := sso.SignatureAlgorithm
	if isEC(k) {
		want = directory.SigECDSASHA256
	} else if want == directory.SigECDSASHA256 {
		want = directory.SigRSASHA256
	}
	if want == sso.SignatureAlgorithm {
		return nil
	}
	sso.SignatureAlgorithm = want
	sso.UpdatedAt = s.now()
	return tx.PutAppSSO(ctx, appID, sso)
}

func isEC(k *directory.AppKey) bool {
	cert, err := samlidp.ParseCertificatePEM([]byte(k.CertificatePEM))
	return err == nil && isECCert(cert)
}

func isECCert(cert *x509.Certificate) bool {
	_, ok := cert.PublicKey.(*ecdsa.PublicKey)
	return ok
}

// ActivateNextKey makes the prepared next key the active one; the old
// active key is kept as retired. EPRECONDITION when there is no next key.
func (s *Service) ActivateNextKey(ctx context.Context, actor directory.Actor, appID string) (*KeyInfo, error) {
	var out KeyInfo
	now := s.now()
	err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		a, err := samlApp(tx, ctx, appID)
		if err != nil {
			return nil, err
		}
		keys, err := tx.ListAppKeys(ctx, appID)
		if err != nil {
			return nil, err
		}
		var next *directory.AppKey
		for i := range keys {
			if keys[i].Status == directory.KeyNext {
				next = &keys[i]
			}
		}
		if next == nil {
			return nil, directory.Errorf(directory.EPRECONDITION, "application %q has no next key: prepare one first", a.Label)
		}
		for _, k := range keys {
			if k.Status == directory.KeyActive {
				if err := tx.SetAppKeyStatus(ctx, appID, k.ID, directory.KeyRetired); err != nil {
					return nil, err
				}
			}
		}
		if err := tx.SetAppKeyStatus(ctx, appID, next.ID, directory.KeyActive); err != nil {
			return nil, err
		}
		next.Status = directory.KeyActive
		if err := s.matchSignature(ctx, tx, appID, next); err != nil {
			return nil, err
		}
		out = keyInfo(*next, now)
		return []directory.Change{s.keyChange(actor, a, now, "next_activated", next)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RemoveKey deletes a retired or next key; the active key cannot be
// removed (EPRECONDITION). ENOTFOUND for an unknown key.
func (s *Service) RemoveKey(ctx context.Context, actor directory.Actor, appID, keyID string) error {
	return s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		a, err := tx.GetApp(ctx, appID)
		if err != nil {
			return nil, err
		}
		keys, err := tx.ListAppKeys(ctx, appID)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if k.ID != keyID {
				continue
			}
			if k.Status == directory.KeyActive {
				return nil, directory.Errorf(directory.EPRECONDITION, "the active key cannot be removed: regenerate or activate the next key first")
			}
			if err := tx.DeleteAppKey(ctx, appID, keyID); err != nil {
				return nil, err
			}
			return []directory.Change{s.keyChange(actor, a, s.now(), "removed", &k)}, nil
		}
		return nil, directory.NotFound("key", keyID)
	})
}
