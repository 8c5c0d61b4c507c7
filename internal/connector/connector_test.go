package connector_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
)

func TestErrorHelpers(t *testing.T) {
	tmp := fmt.Errorf("reconcile: %w", &connector.Error{Op: "GetUser", HTTPStatus: 429, Temporary: true, RetryAfter: 2 * time.Second})
	if !connector.IsTemporary(tmp) || connector.RetryAfter(tmp) != 2*time.Second || connector.IsConflict(tmp) || connector.IsNotFound(tmp) {
		t.Fatal("429 misclassified")
	}
	if !connector.IsConflict(&connector.Error{HTTPStatus: 409}) || !connector.IsNotFound(&connector.Error{HTTPStatus: 404}) {
		t.Fatal("409/404 misclassified")
	}
	plain := errors.New("x")
	if connector.IsTemporary(plain) || connector.RetryAfter(plain) != 0 || connector.AsError(plain) != nil {
		t.Fatal("plain error classified")
	}
	cause := errors.New("dial refused")
	e := &connector.Error{Op: "CreateUser", Detail: "no answer", Temporary: true, Err: cause}
	if !errors.Is(e, cause) || e.Error() != "connector: CreateUser: no answer: dial refused" {
		t.Fatalf("%q", e.Error())
	}
	for s, want := range map[int]bool{400: false, 401: false, 404: false, 408: true, 409: false, 429: true, 500: true, 503: true} {
		if connector.TemporaryStatus(s) != want {
			t.Errorf("TemporaryStatus(%d)", s)
		}
	}
}

type stub struct{ connector.Connector }

func TestRegistry(t *testing.T) {
	r := connector.NewRegistry()
	r.Register("b", func(context.Context, connector.Config) (connector.Connector, error) { return stub{}, nil })
	r.Register("a", func(context.Context, connector.Config) (connector.Connector, error) { return nil, errors.New("no") })
	if k := r.Kinds(); len(k) != 2 || k[0] != "a" {
		t.Fatal(k)
	}
	if c, err := r.Open(context.Background(), connector.Config{Kind: "b"}); err != nil || c == nil {
		t.Fatal(err)
	}
	if _, err := r.Open(context.Background(), connector.Config{Kind: "zz"}); connector.AsError(err) == nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate kind accepted")
		}
	}()
	r.Register("a", func(context.Context, connector.Config) (connector.Connector, error) { return nil, nil })
}

func TestConfigDefaults(t *testing.T) {
	c := connector.Config{}.WithDefaults()
	if c.Doer == nil || c.RequestTimeout != connector.DefaultRequestTimeout || c.MaxResponseBytes != connector.DefaultMaxResponseBytes || c.Now == nil {
		t.Fatalf("%+v", c)
	}
}
