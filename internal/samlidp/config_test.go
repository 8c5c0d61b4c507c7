package samlidp_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

func TestValidateAppConfig(t *testing.T) {
	if err := samlidp.ValidateAppConfig(baseConfig(t)); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	ec := loadKey(t, "idp-ecp256")
	cases := []struct {
		field string
		edit  func(*samlidp.AppConfig)
	}{
		{"IdPEntityID", func(c *samlidp.AppConfig) { c.IdPEntityID = "" }},
		{"IdPSSOURL", func(c *samlidp.AppConfig) { c.IdPSSOURL = "/saml2/quip" }},
		{"SPEntityID", func(c *samlidp.AppConfig) { c.SPEntityID = " https://example.quip.com" }},
		{"ACSURLs", func(c *samlidp.AppConfig) { c.ACSURLs = nil }},
		{"ACSURLs[0]", func(c *samlidp.AppConfig) { c.ACSURLs[0] = "javascript:alert(1)" }},
		{"ACSURLs[1]", func(c *samlidp.AppConfig) { c.ACSURLs[1] = "data:text/html,<script>alert(1)</script>" }},
		{"ACSURLs[0]", func(c *samlidp.AppConfig) { c.ACSURLs[0] = "/relative/acs" }},
		{"ACSURLs[0]", func(c *samlidp.AppConfig) { c.ACSURLs[0] = "//example.com/acs" }},
		{"ACSURLs[0]", func(c *samlidp.AppConfig) { c.ACSURLs[0] = "ftp://example.com/acs" }},
		{"ACSURLs[0]", func(c *samlidp.AppConfig) { c.ACSURLs[0] = "https://user:pw@example.com/acs" }},
		{"ACSURLs[0]", func(c *samlidp.AppConfig) { c.ACSURLs[0] = "https://example.com/acs#frag" }},
		{"ACSURLs[0]", func(c *samlidp.AppConfig) { c.ACSURLs[0] = "JAVASCRIPT://example.com/%0aalert(1)" }},
		{"NameIDFormat", func(c *samlidp.AppConfig) { c.NameIDFormat = "urn:x" }},
		{"Sign", func(c *samlidp.AppConfig) { c.Sign = "none" }},
		{"AssertionLifetime", func(c *samlidp.AppConfig) { c.AssertionLifetime = 2 * time.Hour }},
		{"ClockSkew", func(c *samlidp.AppConfig) { c.ClockSkew = -time.Second }},
		{"Key", func(c *samlidp.AppConfig) { c.Key = nil }},
		{"Key", func(c *samlidp.AppConfig) { c.Key = &samlidp.KeyPair{Signer: ec.Signer, Chain: c.Key.Chain} }},
		{"Signature", func(c *samlidp.AppConfig) { c.Signature = samlidp.ECDSASHA256 }},
		{"Signature", func(c *samlidp.AppConfig) { c.Key = ec; c.Signature = samlidp.RSASHA256 }},
		{"DefaultRelayState", func(c *samlidp.AppConfig) { c.DefaultRelayState = string(make([]byte, 5000)) }},
	}
	for _, tc := range cases {
		cfg := baseConfig(t)
		cfg.ACSURLs = append([]string(nil), cfg.ACSURLs...)
		tc.edit(&cfg)
		err := samlidp.ValidateAppConfig(cfg)
		var fe *samlidp.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, samlidp.ErrInvalidConfig) {
			t.Errorf("%s: got %v, want a FieldError", tc.field, err)
			continue
		}
		if fe.Field != tc.field {
			t.Errorf("error names field %q, want %q (%v)", fe.Field, tc.field, err)
		}
	}
}

func TestValidateAppConfigAcceptsOptions(t *testing.T) {
	cfg := baseConfig(t)
	cfg.Key = loadKey(t, "idp-ecp256")
	cfg.Signature = samlidp.ECDSASHA256
	cfg.Sign = samlidp.SignBoth
	cfg.NameIDFormat = samlidp.NameIDTransient
	cfg.ACSURLs = []string{"http://127.0.0.1:8080/acs"}
	if err := samlidp.ValidateAppConfig(cfg); err != nil {
		t.Fatal(err)
	}
	cfg = baseConfig(t)
	cfg.Signature = samlidp.RSASHA1
	if err := samlidp.ValidateAppConfig(cfg); err != nil {
		t.Fatalf("explicit RSA-SHA1 refused: %v", err)
	}
}
