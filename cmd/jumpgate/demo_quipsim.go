package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim"
)

// demoCompany is the demo's Quip company (quipsim's /c/acme/).
const demoCompany = "acme"

// maxDemoBody bounds what the demo reads from quipsim.
const maxDemoBody = 1 << 20

// startQuipsim listens at o.QuipsimAddr, opens quipsim on its SQLite file
// in the data directory with that listener's URL as its base URL, makes
// (or finds) the Enterprise company acme and serves until Close.
func (d *Demo) startQuipsim(ctx context.Context, o DemoOptions) error {
	addr := o.QuipsimAddr
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("demo: listen on %s (--quipsim-addr): %w", addr, err)
	}
	d.QuipsimURL = quipsimURL(ln.Addr())
	q, err := quipsim.New(ctx, quipsim.Config{DB: filepath.Join(d.dataDir, demoQuipDBFile), RateLimit: o.QuipsimRateLimit,
		BaseURL: d.QuipsimURL, Now: o.Now, Rand: o.Rand, Logger: d.logger})
	if err != nil {
		ln.Close()
		return fmt.Errorf("demo: quipsim: %w", err)
	}
	d.Quip = q
	co, err := q.Company(ctx, demoCompany)
	if errors.Is(err, quipsim.ErrNotFound) {
		if co, err = q.CreateCompany(ctx, demoCompany, true, []string{demoDomain}); err == nil {
			d.Created++
		}
	}
	if err != nil {
		ln.Close()
		return fmt.Errorf("demo: quipsim company %s: %w", demoCompany, err)
	}
	d.QuipCompany = co
	d.quipHS = &http.Server{Handler: q, ReadHeaderTimeout: 10 * time.Second}
	d.quipErr = make(chan error, 1)
	go func() { d.quipErr <- d.quipHS.Serve(ln) }()
	return nil
}

// quipsimURL is the URL of quipsim's listener; an unspecified host
// (0.0.0.0, ::) becomes localhost.
func quipsimURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// QuipHomeURL is the company's home page in quipsim ("Sign in with SSO").
func (d *Demo) QuipHomeURL() string { return d.QuipsimURL + "/c/" + demoCompany + "/" }

// QuipSCIMBaseURL is the base URL Jumpgate's identity management uses,
// as the integration guide has the admin paste it.
func (d *Demo) QuipSCIMBaseURL() string { return d.QuipsimURL + "/business/admin/scim" }

// ensureQuipToken makes sure QuipToken is a working SCIM token of acme:
// the one kept in the data directory when quipsim still accepts it, else
// a newly issued one (written there, mode 0600). It reports whether the
// token is new.
func (d *Demo) ensureQuipToken(ctx context.Context) (bool, error) {
	path := filepath.Join(d.dataDir, demoQuipTokFile)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("demo: %w", err)
	}
	if tok := strings.TrimSpace(string(data)); tok != "" {
		ok, err := d.quipTokenWorks(ctx, tok)
		if err != nil {
			return false, err
		}
		if ok {
			d.QuipToken = tok
			return false, nil
		}
	}
	tok, err := d.Quip.IssueToken(ctx, d.QuipCompany.ID)
	if err != nil {
		return false, fmt.Errorf("demo: quipsim token: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("demo: %w", err)
	}
	if err := writeSecretFile(path, tok); err != nil {
		return false, fmt.Errorf("demo: write quipsim token: %w", err)
	}
	d.QuipToken = tok
	return true, nil
}

// quipTokenWorks asks quipsim's SCIM API whether it accepts tok.
func (d *Demo) quipTokenWorks(ctx context.Context, tok string) (bool, error) {
	res, err := d.scim(ctx, tok, "GET", "/ServiceProviderConfig", nil)
	if err != nil {
		return false, err
	}
	res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusUnauthorized:
		return false, nil
	}
	return false, fmt.Errorf("demo: quipsim SCIM answered %s to a token check", res.Status)
}

// scim sends one request to quipsim's SCIM API with the bearer token.
func (d *Demo) scim(ctx context.Context, tok, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.QuipSCIMBaseURL()+"/2"+path, rd)
	if err != nil {
		return nil, fmt.Errorf("demo: quipsim SCIM: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := d.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("demo: quipsim SCIM: %w", err)
	}
	return res, nil
}

// seedQuipOnlyUsers adds the users that exist only in Quip (for the
// import step) when quipsim has no user with their e-mail yet, as an
// admin would through Quip's own SCIM API.
func (d *Demo) seedQuipOnlyUsers(ctx context.Context) error {
	for _, p := range quipOnlyPeople() {
		res, err := d.scim(ctx, d.QuipToken, "GET", "/Users?count=1&filter="+url.QueryEscape(`emails eq "`+p.Email+`"`), nil)
		if err != nil {
			return err
		}
		var list struct {
			TotalResults int `json:"totalResults"`
		}
		err = json.NewDecoder(io.LimitReader(res.Body, maxDemoBody)).Decode(&list)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || err != nil {
			return fmt.Errorf("demo: quipsim: look up %s: %s %v", p.Email, res.Status, err)
		}
		if list.TotalResults > 0 {
			continue
		}
		res, err = d.scim(ctx, d.QuipToken, "POST", "/Users", map[string]any{
			"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName": p.Username,
			"name":     map[string]string{"givenName": p.FirstName, "familyName": p.LastName},
			"emails":   []map[string]any{{"value": p.Email, "type": "work", "primary": true}},
			"active":   true,
		})
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("demo: quipsim: create %s: %s", p.Email, res.Status)
		}
		d.Created++
	}
	return nil
}

// quipSPMetadata downloads quipsim's SP metadata of acme, as the admin
// would before importing it into the application's SSO settings.
func (d *Demo) quipSPMetadata(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", d.QuipsimURL+"/c/"+demoCompany+"/saml/metadata", nil)
	if err != nil {
		return nil, fmt.Errorf("demo: quipsim SP metadata: %w", err)
	}
	res, err := d.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("demo: quipsim SP metadata: %w", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxDemoBody))
	if err != nil {
		return nil, fmt.Errorf("demo: quipsim SP metadata: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("demo: quipsim SP metadata: %s", res.Status)
	}
	return b, nil
}
