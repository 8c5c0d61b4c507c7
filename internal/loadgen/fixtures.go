package loadgen

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// Fixtures are what a run signs in with and changes, made through the
// admin API: a Custom SAML application whose SP is the load generator
// (ECDSA P-256 key made at start, signed AuthnRequests), a group bound to
// it with every fixture user as a member, a "churn" group for membership
// changes, and users whose passwords were set through activation links.
type Fixtures struct {
	RunID    string
	App      *directory.App
	Group    *directory.Group // bound to App; every fixture user is a member
	Churn    *directory.Group // not bound; members come and go
	Users    []FixtureUser
	password string

	sp  *saml.ServiceProvider
	acs url.URL

	base    string
	now     func() time.Time
	clients []*apiclient.Client
	http    *http.Client // no cookie jar: the API and /activate
	next    atomic.Uint64

	churnMu sync.Mutex
	inChurn map[int]bool // users the load generator last added to Churn
}

// FixtureUser is one user that signs in and is changed.
type FixtureUser struct {
	ID       string
	Username string
	Email    string
}

// setupWorkers bounds the API calls in flight while making fixtures.
const setupWorkers = 4

// Setup makes the fixtures through the admin API (with cfg's keys; a 429
// is waited out) and sets every user's password through an activation link.
func Setup(ctx context.Context, cfg *Config, rnd io.Reader, transport http.RoundTripper) (*Fixtures, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	id := make([]byte, 4)
	pw := make([]byte, 18)
	if _, err := io.ReadFull(rnd, id); err != nil {
		return nil, fmt.Errorf("fixtures: random: %w", err)
	}
	if _, err := io.ReadFull(rnd, pw); err != nil {
		return nil, fmt.Errorf("fixtures: random: %w", err)
	}
	f := &Fixtures{RunID: hex.EncodeToString(id), password: "Bench-" + hex.EncodeToString(pw), base: cfg.BaseURL, now: cfg.now,
		http: &http.Client{Transport: transport, Timeout: cfg.Timeout}}
	for _, k := range cfg.APIKeys {
		f.clients = append(f.clients, &apiclient.Client{BaseURL: cfg.BaseURL, APIKey: k, HTTP: f.http})
	}
	if err := f.makeApp(ctx, rnd); err != nil {
		return f, err
	}
	if err := f.makeUsers(ctx, cfg.Users); err != nil {
		return f, err
	}
	return f, nil
}

// client returns the API clients in turn.
func (f *Fixtures) client() *apiclient.Client {
	return f.clients[int(f.next.Add(1)%uint64(len(f.clients)))]
}

// call runs fn with the next client, waiting out 429 answers for up to two
// minutes (setup and teardown only: the measured load never retries).
func (f *Fixtures) call(ctx context.Context, fn func(c *apiclient.Client) error) error {
	deadline := f.now().Add(2 * time.Minute)
	for {
		err := fn(f.client())
		if directory.ErrorCode(err) != directory.ERATELIMITED || f.now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (f *Fixtures) makeApp(ctx context.Context, rnd io.Reader) error {
	key, cert, err := newSPKey(rnd, f.RunID, f.now())
	if err != nil {
		return err
	}
	hidden := false
	if err := f.call(ctx, func(c *apiclient.Client) (err error) {
		f.App, err = c.CreateApp(ctx, api.AppInput{TemplateID: "custom-saml", Label: "Bench " + f.RunID,
			Description: "load generator fixture (jumpgate bench)", ShowInPortal: &hidden})
		return err
	}); err != nil {
		return fmt.Errorf("fixtures: create app: %w", err)
	}
	var cur *directory.AppSSO
	if err := f.call(ctx, func(c *apiclient.Client) (err error) { cur, err = c.GetAppSSO(ctx, f.App.ID); return err }); err != nil {
		return fmt.Errorf("fixtures: app SSO: %w", err)
	}
	acs, _ := url.Parse("https://sp.bench.invalid/" + f.RunID + "/acs")
	f.acs = *acs
	in := api.SSOInput{IdPEntityID: cur.IdPEntityID, SPEntityID: "urn:jumpgate:bench:" + f.RunID, ACSURLs: []string{acs.String()},
		SPCertificate:   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
		NameIDAttribute: cur.NameIDAttribute, NameIDFormat: cur.NameIDFormat, SignatureAlgorithm: cur.SignatureAlgorithm,
		Sign: cur.Sign, Attributes: cur.Attributes, GroupsAttribute: cur.GroupsAttribute}
	if err := f.call(ctx, func(c *apiclient.Client) error { _, err := c.PutAppSSO(ctx, f.App.ID, in); return err }); err != nil {
		return fmt.Errorf("fixtures: app SSO settings: %w", err)
	}
	for _, g := range []struct {
		dst  **directory.Group
		name string
	}{{&f.Group, "bench-" + f.RunID}, {&f.Churn, "bench-" + f.RunID + "-churn"}} {
		if err := f.call(ctx, func(c *apiclient.Client) (err error) {
			*g.dst, err = c.CreateGroup(ctx, api.GroupInput{Name: g.name, Description: "load generator fixture"})
			return err
		}); err != nil {
			return fmt.Errorf("fixtures: create group: %w", err)
		}
	}
	if err := f.call(ctx, func(c *apiclient.Client) error {
		_, err := c.SetAppGroups(ctx, f.App.ID, []string{f.Group.ID})
		return err
	}); err != nil {
		return fmt.Errorf("fixtures: bind group: %w", err)
	}
	md, err := f.idpMetadata(ctx)
	if err != nil {
		return err
	}
	f.sp = &saml.ServiceProvider{EntityID: in.SPEntityID, Key: key, Certificate: cert, AcsURL: f.acs, IDPMetadata: md,
		SignatureMethod: dsig.ECDSASHA256SignatureMethod}
	return nil
}

// newSPKey makes the bench SP's signing key and a self-signed certificate.
func newSPKey(rnd io.Reader, runID string, now time.Time) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, nil, fmt.Errorf("fixtures: SP key: %w", err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "jumpgate bench " + runID},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rnd, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("fixtures: SP certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("fixtures: SP certificate: %w", err)
	}
	return key, cert, nil
}

func (f *Fixtures) idpMetadata(ctx context.Context) (*saml.EntityDescriptor, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/saml2/"+f.App.Slug+"/metadata", nil)
	if err != nil {
		return nil, fmt.Errorf("fixtures: IdP metadata: %w", err)
	}
	res, err := f.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fixtures: IdP metadata: %w", err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil || res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fixtures: IdP metadata: HTTP %d %w", res.StatusCode, err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(data, &ed); err != nil {
		return nil, fmt.Errorf("fixtures: IdP metadata: %w", err)
	}
	return &ed, nil
}

// makeUsers creates n activated users, adds them to the bound group and
// sets their password through an activation link each.
func (f *Fixtures) makeUsers(ctx context.Context, n int) error {
	f.Users = make([]FixtureUser, n)
	err := parallel(ctx, n, func(i int) error {
		name := fmt.Sprintf("bench-%s-%05d", f.RunID, i+1)
		var u *directory.User
		if err := f.call(ctx, func(c *apiclient.Client) (err error) {
			u, err = c.CreateUser(ctx, api.UserInput{Username: name, Email: name + "@bench.example.com", FirstName: "Bench",
				LastName: fmt.Sprintf("User %d", i+1), State: directory.UserActivated})
			return err
		}); err != nil {
			return fmt.Errorf("fixtures: create user %s: %w", name, err)
		}
		f.Users[i] = FixtureUser{ID: u.ID, Username: u.Username, Email: u.Email}
		return nil
	})
	if err != nil {
		return err
	}
	for start := 0; start < n; start += 100 {
		ids := make([]string, 0, 100)
		for _, u := range f.Users[start:min(start+100, n)] {
			ids = append(ids, u.ID)
		}
		if err := f.call(ctx, func(c *apiclient.Client) error { _, err := c.AddMembers(ctx, f.Group.ID, ids); return err }); err != nil {
			return fmt.Errorf("fixtures: add members: %w", err)
		}
	}
	return parallel(ctx, n, func(i int) error { return f.activate(ctx, f.Users[i]) })
}

// activate makes an activation link and sets the password with it, as the
// user would on /activate.
func (f *Fixtures) activate(ctx context.Context, u FixtureUser) error {
	var link api.ActivationLinkBody
	if err := f.call(ctx, func(c *apiclient.Client) error {
		return f.postJSON(ctx, c.APIKey, "/api/v1/users/"+url.PathEscape(u.ID)+"/activation-link", &link)
	}); err != nil {
		return fmt.Errorf("fixtures: activation link of %s: %w", u.Username, err)
	}
	form := url.Values{"token": {link.Token}, "password": {f.password}, "confirm": {f.password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+"/activate", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("fixtures: activate %s: %w", u.Username, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := f.http.Do(req)
	if err != nil {
		return fmt.Errorf("fixtures: activate %s: %w", u.Username, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("fixtures: activate %s: HTTP %d", u.Username, res.StatusCode)
	}
	return nil
}

// postJSON posts an empty body to an API path and decodes the answer.
func (f *Fixtures) postJSON(ctx context.Context, key, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := f.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode == http.StatusTooManyRequests {
		return &apiclient.Error{Status: res.StatusCode, Code: directory.ERATELIMITED, Message: "rate limited"}
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("POST %s: HTTP %d: %s", path, res.StatusCode, strings.TrimSpace(string(data)))
	}
	return json.Unmarshal(data, out)
}

// Teardown deletes the fixture users, groups and app (what exists of them).
func (f *Fixtures) Teardown(ctx context.Context) error {
	var errs []error
	var mu sync.Mutex
	_ = parallel(ctx, len(f.Users), func(i int) error {
		if f.Users[i].ID == "" {
			return nil
		}
		err := f.call(ctx, func(c *apiclient.Client) error { return c.DeleteUser(ctx, f.Users[i].ID) })
		if err != nil && !apiclient.IsNotFound(err) {
			mu.Lock()
			errs = append(errs, fmt.Errorf("delete user %s: %w", f.Users[i].Username, err))
			mu.Unlock()
		}
		return nil
	})
	for _, g := range []*directory.Group{f.Group, f.Churn} {
		if g != nil {
			if err := f.call(ctx, func(c *apiclient.Client) error { return c.DeleteGroup(ctx, g.ID) }); err != nil && !apiclient.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("delete group %s: %w", g.Name, err))
			}
		}
	}
	if f.App != nil {
		if err := f.call(ctx, func(c *apiclient.Client) error { _, err := c.DeleteApps(ctx, []string{f.App.ID}, 1); return err }); err != nil && !apiclient.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete app %s: %w", f.App.Label, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("fixtures: teardown: %w", err)
	}
	return nil
}

// parallel runs fn(0..n-1) on setupWorkers goroutines and returns the
// first error (the rest are skipped once one fails).
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	var (
		next  atomic.Int64
		first error
		once  sync.Once
		wg    sync.WaitGroup
	)
	failed := atomic.Bool{}
	for range min(setupWorkers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}
