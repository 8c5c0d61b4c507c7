package main

import (
	"context"
	"fmt"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

type adminsCmd struct {
	Create adminsCreateCmd `cmd:"" help:"Create an administrator in the database and print a new API key for it."`
}

type adminsCreateCmd struct {
	serverFlags `embed:""`
	Email       string `name:"email" required:"" help:"The admin's email (their login)."`
	Name        string `name:"name" help:"The admin's name."`
	Role        string `name:"role" default:"admin" enum:"admin,read_only" help:"admin or read_only."`
	KeyName     string `name:"key-name" default:"cli" help:"Name of the API key to make."`
	NoPassword  bool   `name:"no-password" help:"Make no login password (the account can only use API keys)."`
}

func (c *adminsCreateCmd) Run(ctx context.Context, m *Main) error {
	cfg, err := m.loadConfig(&c.serverFlags)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &lifecycle.Service{Store: st, Now: m.Now, Rand: m.Rand}
	in := lifecycle.NewAdmin{Email: c.Email, Name: c.Name, Role: directory.AdminRole(c.Role)}
	if !c.NoPassword {
		if in.Password, err = svc.GeneratePassword(); err != nil {
			return err
		}
	}
	a, err := svc.CreateAdmin(ctx, in)
	if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	token, _, err := svc.CreateAPIKey(ctx, a.ID, c.KeyName, nil)
	if err != nil {
		return fmt.Errorf("create API key: %w", err)
	}
	fmt.Fprintf(m.Stdout, "Created %s admin %s (id %s).\n", a.Role, a.Email, a.ID)
	if in.Password != "" {
		fmt.Fprintf(m.Stdout, "Password: %s\n", in.Password)
	}
	fmt.Fprintf(m.Stdout, "API key: %s\n", token)
	fmt.Fprintln(m.Stdout, "Both are shown only now; only hashes are stored.")
	return nil
}
