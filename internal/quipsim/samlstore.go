package quipsim

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

// ErrNoIdP is returned when a company has no SAML IdP configured.
var ErrNoIdP = errors.New("quipsim: SAML is not configured for this company")

// SetIdPMetadata configures the company's SAML IdP from IdP metadata XML
// (entity ID, HTTP-Redirect SSO URL, every signing certificate).
func (s *Server) SetIdPMetadata(ctx context.Context, companyID string, metadata []byte) error {
	idp, err := samlsp.ParseIdPMetadata(metadata)
	if err != nil {
		return fmt.Errorf("quipsim: IdP metadata: %w", err)
	}
	return s.saveIdP(ctx, companyID, idp, string(metadata))
}

// SetIdP configures the company's SAML IdP from fields: entity ID, SSO URL
// (HTTP-Redirect) and one or more PEM certificates.
func (s *Server) SetIdP(ctx context.Context, companyID, entityID, ssoURL string, certsPEM []byte) error {
	certs, err := parseCerts(certsPEM)
	if err != nil {
		return err
	}
	entityID, ssoURL = strings.TrimSpace(entityID), strings.TrimSpace(ssoURL)
	if entityID == "" || !(strings.HasPrefix(ssoURL, "https://") || strings.HasPrefix(ssoURL, "http://")) {
		return errors.New("quipsim: IdP entity ID and an http(s) SSO URL are required")
	}
	return s.saveIdP(ctx, companyID, samlsp.IdP{EntityID: entityID, SSOURL: ssoURL, Certificates: certs}, "")
}

func (s *Server) saveIdP(ctx context.Context, companyID string, idp samlsp.IdP, metadata string) error {
	if len(idp.Certificates) == 0 {
		return errors.New("quipsim: at least one IdP signing certificate is required")
	}
	var buf bytes.Buffer
	for _, c := range idp.Certificates {
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	if _, err := s.Company(ctx, companyID); err != nil {
		return err
	}
	_, err := s.db.w.ExecContext(ctx, `INSERT INTO saml_idps (company_id, entity_id, sso_url, certs_pem, metadata, modified) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (company_id) DO UPDATE SET entity_id = excluded.entity_id, sso_url = excluded.sso_url, certs_pem = excluded.certs_pem,
		metadata = excluded.metadata, modified = excluded.modified`,
		companyID, idp.EntityID, idp.SSOURL, buf.String(), metadata, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("quipsim: save IdP: %w", err)
	}
	return nil
}

func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("quipsim: IdP certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("quipsim: no PEM certificate found")
	}
	return out, nil
}

// IdP returns the company's SAML IdP configuration, or ErrNoIdP.
func (s *Server) IdP(ctx context.Context, companyID string) (samlsp.IdP, error) {
	var idp samlsp.IdP
	var certs string
	err := s.db.r.QueryRowContext(ctx, `SELECT entity_id, sso_url, certs_pem FROM saml_idps WHERE company_id = ?`, companyID).
		Scan(&idp.EntityID, &idp.SSOURL, &certs)
	if errors.Is(err, sql.ErrNoRows) {
		return idp, ErrNoIdP
	}
	if err != nil {
		return idp, fmt.Errorf("quipsim: IdP: %w", err)
	}
	idp.Certificates, err = parseCerts([]byte(certs))
	return idp, err
}

// samlRequests keeps outstanding AuthnRequest IDs of one company in the
// database (the ACS POST is cross-site: no cookie state).
type samlRequests struct {
	s         *Server
	companyID string
}

func (q samlRequests) SaveRequest(ctx context.Context, id string, expires time.Time) error {
	_, err := q.s.db.w.ExecContext(ctx, `INSERT INTO saml_requests (id, company_id, expires) VALUES (?, ?, ?)`, id, q.companyID, expires.UnixNano())
	if err != nil {
		return fmt.Errorf("quipsim: save AuthnRequest: %w", err)
	}
	return nil
}

func (q samlRequests) TakeRequest(ctx context.Context, id string) (bool, error) {
	var ok bool
	err := q.s.db.tx(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM saml_requests WHERE id = ? AND company_id = ? AND expires > ?`, id, q.companyID, q.s.now().UnixNano())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		_, err = tx.ExecContext(ctx, `DELETE FROM saml_requests WHERE expires <= ?`, q.s.now().UnixNano())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("quipsim: take AuthnRequest: %w", err)
	}
	return ok, nil
}

// MarkAssertionUsed records an accepted assertion ID (one-time use).
func (q samlRequests) MarkAssertionUsed(ctx context.Context, id string, expires time.Time) (bool, error) {
	var fresh bool
	err := q.s.db.tx(ctx, func(tx *wtx) error {
		now := q.s.now().UnixNano()
		if _, err := tx.ExecContext(ctx, `DELETE FROM saml_used_assertions WHERE expires <= ?`, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO saml_used_assertions (id, expires) VALUES (?, ?)`, id, expires.UnixNano())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		fresh = n == 1
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("quipsim: mark assertion: %w", err)
	}
	return fresh, nil
}
