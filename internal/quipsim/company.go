package quipsim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Company is a Quip company (tenant).
type Company struct {
	ID         string
	Name       string
	Enterprise bool
	JIT        bool
	Domains    []string
	Created    time.Time
}

// ErrNotFound is returned by the Go API for unknown companies, users, groups and sessions.
var ErrNotFound = errors.New("quipsim: not found")

var companyNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// CreateCompany adds a company. name is a lowercase slug used in URLs
// (/c/{name}/); JIT provisioning starts on.
func (s *Server) CreateCompany(ctx context.Context, name string, enterprise bool, domains []string) (Company, error) {
	if !companyNameRE.MatchString(name) {
		return Company{}, fmt.Errorf("quipsim: company name %q must be a lowercase slug", name)
	}
	c := Company{ID: s.newID(), Name: name, Enterprise: enterprise, JIT: true, Created: s.now()}
	for _, d := range domains {
		c.Domains = append(c.Domains, strings.ToLower(strings.TrimSpace(d)))
	}
	err := s.db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO companies (id, name, enterprise, jit, created) VALUES (?, ?, ?, 1, ?)`,
			c.ID, c.Name, enterprise, c.Created.UnixNano()); err != nil {
			if isUnique(err) {
				return fmt.Errorf("quipsim: company %q already exists", name)
			}
			return err
		}
		for _, d := range c.Domains {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO company_domains (company_id, domain) VALUES (?, ?)`, c.ID, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Company{}, fmt.Errorf("quipsim: create company: %w", err)
	}
	return c, nil
}

// Company returns a company by ID or by name.
func (s *Server) Company(ctx context.Context, idOrName string) (Company, error) {
	var c Company
	var created int64
	err := s.db.r.QueryRowContext(ctx, `SELECT id, name, enterprise, jit, created FROM companies WHERE id = ? OR name = ?`,
		idOrName, idOrName).Scan(&c.ID, &c.Name, &c.Enterprise, &c.JIT, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("quipsim: company: %w", err)
	}
	c.Created = time.Unix(0, created).UTC()
	rows, err := s.db.r.QueryContext(ctx, `SELECT domain FROM company_domains WHERE company_id = ? ORDER BY domain`, c.ID)
	if err != nil {
		return c, fmt.Errorf("quipsim: company domains: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return c, fmt.Errorf("quipsim: company domains: %w", err)
		}
		c.Domains = append(c.Domains, d)
	}
	return c, rows.Err()
}

// SetJIT turns SAML just-in-time user creation on or off for a company.
func (s *Server) SetJIT(ctx context.Context, companyID string, on bool) error {
	res, err := s.db.w.ExecContext(ctx, `UPDATE companies SET jit = ? WHERE id = ?`, on, companyID)
	if err != nil {
		return fmt.Errorf("quipsim: set jit: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ErrNotEnterprise is returned when a token is asked for a company that
// is not on an Enterprise subscription.
var ErrNotEnterprise = errors.New("quipsim: SCIM tokens are only available to Enterprise companies")

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// IssueToken creates a new SCIM token for an Enterprise company and
// returns it; only its SHA-256 is stored, so it can be shown only once.
// Earlier tokens stay valid until revoked.
func (s *Server) IssueToken(ctx context.Context, companyID string) (string, error) {
	c, err := s.Company(ctx, companyID)
	if err != nil {
		return "", err
	}
	if !c.Enterprise {
		return "", ErrNotEnterprise
	}
	tok, err := s.randomToken()
	if err != nil {
		return "", err
	}
	_, err = s.db.w.ExecContext(ctx, `INSERT INTO tokens (id, company_id, hash, created) VALUES (?, ?, ?, ?)`,
		s.newID(), c.ID, hashToken(tok), s.now().UnixNano())
	if err != nil {
		return "", fmt.Errorf("quipsim: issue token: %w", err)
	}
	return tok, nil
}

// RevokeTokens revokes every SCIM token of the company.
func (s *Server) RevokeTokens(ctx context.Context, companyID string) error {
	if _, err := s.db.w.ExecContext(ctx, `DELETE FROM tokens WHERE company_id = ?`, companyID); err != nil {
		return fmt.Errorf("quipsim: revoke tokens: %w", err)
	}
	s.tokens.forget(companyID)
	return nil
}

// RegenerateToken revokes the company's tokens and issues a new one, in one step.
func (s *Server) RegenerateToken(ctx context.Context, companyID string) (string, error) {
	if err := s.RevokeTokens(ctx, companyID); err != nil {
		return "", err
	}
	return s.IssueToken(ctx, companyID)
}

// TokenCount returns how many live tokens the company has.
func (s *Server) TokenCount(ctx context.Context, companyID string) (int, error) {
	var n int
	err := s.db.r.QueryRowContext(ctx, `SELECT count(*) FROM tokens WHERE company_id = ?`, companyID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("quipsim: count tokens: %w", err)
	}
	return n, nil
}

// companyForToken returns the Enterprise company a bearer token belongs
// to. The stored hash is compared in constant time.
func (s *Server) companyForToken(ctx context.Context, tok string) (string, bool, error) {
	if tok == "" || len(tok) > 512 {
		return "", false, nil
	}
	h := hashToken(tok)
	if id, ok := s.tokens.get(h); ok {
		return id, true, nil
	}
	var companyID string
	var stored []byte
	var enterprise bool
	err := s.db.r.QueryRowContext(ctx, `SELECT t.company_id, t.hash, c.enterprise FROM tokens t JOIN companies c ON c.id = t.company_id WHERE t.hash = ?`, h).
		Scan(&companyID, &stored, &enterprise)
	if errors.Is(err, sql.ErrNoRows) {
		subtle.ConstantTimeCompare(h, h)
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("quipsim: token lookup: %w", err)
	}
	if subtle.ConstantTimeCompare(h, stored) != 1 || !enterprise {
		return "", false, nil
	}
	s.tokens.put(h, companyID)
	return companyID, true, nil
}

func (s *Server) randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := s.cfg.Rand.Read(b); err != nil {
		return "", fmt.Errorf("quipsim: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenCache remembers which company a valid token hash belongs to, so
// that most requests skip the token query. Revoking forgets the company's
// entries at once. Keys are SHA-256 hashes, never tokens.
type tokenCache struct {
	mu sync.RWMutex
	m  map[[32]byte]string
}

func (c *tokenCache) get(h []byte) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.m[[32]byte(h)]
	return id, ok
}

func (c *tokenCache) put(h []byte, companyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[[32]byte]string{}
	}
	c.m[[32]byte(h)] = companyID
}

func (c *tokenCache) forget(companyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range c.m {
		if v == companyID {
			delete(c.m, k)
		}
	}
}
