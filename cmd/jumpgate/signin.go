package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/insights"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
	"github.com/jumpgate-idp/jumpgate/internal/userauth"
	"github.com/jumpgate-idp/jumpgate/internal/web"
	"github.com/jumpgate-idp/jumpgate/internal/web/console"
	"github.com/jumpgate-idp/jumpgate/internal/web/sso"
)

// mountSignIn mounts the user console and the SAML endpoints. baseURL is
// the server's public URL: https makes the session cookie Secure and
// __Host- prefixed.
func mountSignIn(srv *web.Server, a *app, baseURL string, m *Main) error {
	st, ok := a.store.(*sqlstore.Store)
	if !ok {
		return errors.New("sign-in needs the SQL store")
	}
	if a.service.BaseURL == "" {
		a.service.BaseURL = baseURL
	}
	if a.service.Sealer == nil {
		a.service.Sealer = a.sealer
	}
	users := &userauth.Service{Store: st, Hasher: a.service.Hasher, Sealer: a.sealer, Now: m.Now, Rand: m.Rand, Logger: a.logger, Issuer: "Jumpgate"}
	cookies := userauth.Cookies{Secure: strings.HasPrefix(baseURL, "https://")}
	cat := sso.Catalogue{Service: a.service}
	var recorder sso.Recorder = sso.SlogRecorder{Logger: a.logger}
	if a.insights != nil {
		recorder = insights.SSORecorder{Store: a.insights, Logger: a.logger, Fallback: recorder}
		users.Auditor = insights.AuthRecorder{Store: a.insights, Logger: a.logger}
	}
	srv.Mount(
		&sso.Handler{Apps: cat, Users: users, Store: st, IdP: &samlidp.IdP{Rand: m.Rand}, Recorder: recorder,
			Cookies: cookies, BaseURL: baseURL, PersistentSecret: a.persistentSecret, Now: m.Now, Rand: m.Rand, Logger: a.logger},
		&console.Handler{Users: users, Apps: cat, Cookies: cookies, BaseURL: baseURL, Logger: a.logger},
	)
	a.users = users
	return nil
}

// persistentNameIDSecret derives the per-install key of persistent NameIDs
// from the master key, so it survives restarts and is the same on every
// replica.
func persistentNameIDSecret(masterKey []byte) []byte {
	m := hmac.New(sha256.New, masterKey)
	m.Write([]byte("jumpgate persistent NameID v1"))
	return m.Sum(nil)
}
