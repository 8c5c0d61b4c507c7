package api_test

import (
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func FuzzDecodeUser(f *testing.F) {
	f.Add(`{"username":"ada","email":"ada@example.com","firstname":"Ada","state":"staged"}`)
	f.Add(`{"username":5}`)
	f.Add(`{"lastname":null,"state":"activated"}`)
	f.Add(`{"a":1}{}`)
	f.Fuzz(func(t *testing.T, body string) {
		u, err := api.DecodeUser(strings.NewReader(body))
		if err == nil {
			u.Normalize()
			_ = u.Validate()
		} else if c := directory.ErrorCode(err); c != directory.EINVALID && c != directory.ETOOLARGE {
			t.Fatalf("DecodeUser error code %q: %v", c, err)
		}
		upd, err := api.DecodeUserUpdate(strings.NewReader(body))
		if err == nil {
			next, _ := upd.Apply(directory.User{Username: "x", Email: "x@example.com"})
			_ = next.Validate()
		} else if c := directory.ErrorCode(err); c != directory.EINVALID && c != directory.ETOOLARGE {
			t.Fatalf("DecodeUserUpdate error code %q: %v", c, err)
		}
	})
}

func FuzzDecodeGroup(f *testing.F) {
	f.Add(`{"name":"Engineering","description":"builds"}`)
	f.Add(`{"name":[]}`)
	f.Add(`{"userIds":["a","b"]}`)
	f.Fuzz(func(t *testing.T, body string) {
		g, err := api.DecodeGroup(strings.NewReader(body))
		if err == nil {
			g.Normalize()
			_ = g.Validate()
		} else if c := directory.ErrorCode(err); c != directory.EINVALID && c != directory.ETOOLARGE {
			t.Fatalf("DecodeGroup error code %q: %v", c, err)
		}
		upd, err := api.DecodeGroupUpdate(strings.NewReader(body))
		if err == nil {
			next, _ := upd.Apply(directory.Group{Name: "x"})
			_ = next.Validate()
		}
		if _, err := api.DecodeMembers(strings.NewReader(body)); err != nil && directory.ErrorCode(err) != directory.EINVALID {
			t.Fatalf("DecodeMembers error code: %v", err)
		}
	})
}
