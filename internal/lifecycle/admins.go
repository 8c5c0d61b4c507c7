package lifecycle

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// NewAdmin is the input of CreateAdmin and EnsureAdmin.
type NewAdmin struct {
	Email string
	Name  string
	Role  directory.AdminRole // "" means admin
	// Password is checked against the policy and hashed; "" makes an
	// account that can only use API keys.
	Password string
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

func (s *Service) prepareAdmin(in NewAdmin) (*directory.Admin, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	var fe []directory.FieldError
	if !directory.ValidEmail(email) {
		fe = append(fe, directory.FieldError{Field: "email", Reason: "is not a valid e-mail address"})
	}
	role := in.Role
	if role == "" {
		role = directory.RoleAdmin
	}
	if role != directory.RoleAdmin && role != directory.RoleReadOnly {
		fe = append(fe, directory.FieldError{Field: "role", Reason: "must be admin or read_only"})
	}
	if len(fe) > 0 {
		return nil, directory.Invalid(fe...)
	}
	a := &directory.Admin{Email: email, Name: strings.TrimSpace(in.Name), Role: role}
	if in.Password != "" {
		if err := auth.CheckPasswordPolicy("password", in.Password); err != nil {
			return nil, err
		}
		h := s.Hasher
		if h.Rand == nil {
			h.Rand = s.rand()
		}
		hash, err := h.Hash(in.Password)
		if err != nil {
			return nil, err
		}
		a.PasswordHash = hash
	}
	now := s.now()
	a.ID, a.CreatedAt, a.UpdatedAt = s.newID(), now, now
	return a, nil
}

// CreateAdmin makes an administrator account. EINVALID names bad fields;
// ECONFLICT names a taken email.
func (s *Service) CreateAdmin(ctx context.Context, in NewAdmin) (*directory.Admin, error) {
	a, err := s.prepareAdmin(in)
	if err != nil {
		return nil, err
	}
	if err := s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		if err := tx.CreateAdmin(ctx, a); err != nil {
			return nil, err
		}
		return []directory.Change{adminCreated(a)}, nil
	}); err != nil {
		return nil, err
	}
	return a, nil
}

// adminCreated is the change record of a new admin account, made by an
// operator with direct access to the database (the CLI or the demo).
func adminCreated(a *directory.Admin) directory.Change {
	return directory.Change{At: a.CreatedAt, Actor: directory.SystemActor, Kind: directory.AdminCreated, ResourceType: "admin",
		ResourceID: a.ID, ResourceName: a.Email, Fields: []directory.FieldChange{{Field: "email", To: a.Email}, {Field: "role", To: string(a.Role)}}}
}

// EnsureAdmin returns the admin with in.Email, creating it when absent;
// created says whether it did. An existing account is left unchanged.
func (s *Service) EnsureAdmin(ctx context.Context, in NewAdmin) (a *directory.Admin, created bool, err error) {
	fresh, err := s.prepareAdmin(in)
	if err != nil {
		return nil, false, err
	}
	err = s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		cur, err := tx.GetAdminByEmail(ctx, fresh.Email)
		if err == nil {
			a, created = cur, false
			return nil, nil
		}
		if directory.ErrorCode(err) != directory.ENOTFOUND {
			return nil, err
		}
		if err := tx.CreateAdmin(ctx, fresh); err != nil {
			return nil, err
		}
		a, created = fresh, true
		return []directory.Change{adminCreated(fresh)}, nil
	})
	if err != nil {
		return nil, false, err
	}
	return a, created, nil
}

// VerifyAdminPassword checks an admin's password and upgrades its hash when
// the hashing parameters changed. A wrong email or password is an
// EUNAUTHORIZED error whose cause says which (for the log only).
func (s *Service) VerifyAdminPassword(ctx context.Context, email, password string) (*directory.Admin, error) {
	refuse := func(cause string) error {
		return &directory.Error{Code: directory.EUNAUTHORIZED, Message: "wrong email or password", Err: fmt.Errorf("%s", cause)}
	}
	var a *directory.Admin
	err := s.Store.View(ctx, func(tx directory.Tx) error {
		var err error
		a, err = tx.GetAdminByEmail(ctx, email)
		return err
	})
	if directory.ErrorCode(err) == directory.ENOTFOUND {
		return nil, refuse("no admin with that email")
	}
	if err != nil {
		return nil, err
	}
	if a.PasswordHash == "" {
		return nil, refuse("admin has no password")
	}
	ok, rehash, err := s.Hasher.Verify(a.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: admin %s: %w", a.ID, err)
	}
	if !ok {
		return nil, refuse("wrong password")
	}
	if rehash {
		if h, err := s.Hasher.Hash(password); err == nil {
			a.PasswordHash, a.UpdatedAt = h, s.now()
			// Best effort: the login succeeds even if the upgrade cannot be stored.
			_ = s.Store.Update(ctx, func(tx directory.Tx) error { return tx.UpdateAdmin(ctx, a) })
		}
	}
	return a, nil
}

// CreateAPIKey makes an API key for the admin and returns the token, which
// is shown once and never stored, with the stored key. expires may be nil.
// ENOTFOUND if the admin is unknown.
func (s *Service) CreateAPIKey(ctx context.Context, adminID, name string, expires *time.Time) (string, *directory.APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 128 {
		return "", nil, directory.Invalid(directory.FieldError{Field: "name", Reason: "is required, at most 128 characters"})
	}
	token, prefix, hash, err := auth.NewAPIKeyToken(s.rand())
	if err != nil {
		return "", nil, err
	}
	k := &directory.APIKey{ID: s.newID(), AdminID: adminID, Name: name, Prefix: prefix, SecretHash: hash, CreatedAt: s.now(), ExpiresAt: expires}
	err = s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		a, err := tx.GetAdmin(ctx, adminID)
		if err != nil {
			return nil, err
		}
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			return nil, err
		}
		return []directory.Change{{At: k.CreatedAt, Actor: directory.Actor{Type: directory.ActorAdmin, ID: a.ID, Email: a.Email},
			Kind: directory.APIKeyCreated, ResourceType: "api_key", ResourceID: k.ID, ResourceName: name,
			Fields: []directory.FieldChange{{Field: "prefix", To: k.Prefix}}}}, nil
	})
	if err != nil {
		return "", nil, err
	}
	return token, k, nil
}

// RevokeAPIKey revokes a key at once; ENOTFOUND if absent. The change is
// attributed to the key's admin.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) error {
	return s.commit(ctx, func(tx directory.Tx) ([]directory.Change, error) {
		now := s.now()
		if err := tx.RevokeAPIKey(ctx, id, now); err != nil {
			return nil, err
		}
		c := directory.Change{At: now, Actor: directory.SystemActor, Kind: directory.APIKeyRevoked, ResourceType: "api_key", ResourceID: id, ResourceName: id}
		if a, k, err := apiKeyOwner(ctx, tx, id); err == nil {
			c.ResourceName = k.Name
			c.Actor = directory.Actor{Type: directory.ActorAdmin, ID: a.ID, Email: a.Email}
		}
		return []directory.Change{c}, nil
	})
}

// apiKeyOwner finds the key with id and its admin (admins are few).
func apiKeyOwner(ctx context.Context, tx directory.Tx, id string) (*directory.Admin, *directory.APIKey, error) {
	admins, err := tx.ListAdmins(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i := range admins {
		keys, err := tx.ListAPIKeys(ctx, admins[i].ID)
		if err != nil {
			return nil, nil, err
		}
		for j := range keys {
			if keys[j].ID == id {
				return &admins[i], &keys[j], nil
			}
		}
	}
	return nil, nil, directory.NotFound("API key", id)
}

// GeneratePassword returns a random password of 20 characters from an
// alphabet without look-alikes (about 115 bits).
func (s *Service) GeneratePassword() (string, error) {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
	const limit = 256 - 256%len(alphabet) // reject bytes that would bias the choice
	out := make([]byte, 0, 20)
	buf := make([]byte, 32)
	for len(out) < cap(out) {
		if _, err := io.ReadFull(s.rand(), buf); err != nil {
			return "", fmt.Errorf("lifecycle: generate password: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < cap(out) {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
