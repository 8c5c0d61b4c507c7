package scimclient_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/connector/scimclient"
)

// FuzzDecodeListResponse feeds arbitrary bytes to the decoders of list,
// user, group and error answers: none may panic, and a decoded list
// holds only users with ids.
func FuzzDecodeListResponse(f *testing.F) {
	f.Add([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"startIndex":1,"itemsPerPage":2,"Resources":[{"id":"1","userName":"a","emails":[{"value":"a@b.c","type":"work","primary":true}],"active":false},{"id":"2","name":{"givenName":"Mary","familyName":"Ann Lee","formatted":"Mary Ann Lee"}}]}`))
	f.Add([]byte(`{"totalResults":"3","Resources":[{"id":"g","displayName":"G","members":[{"value":"1"}]}]}`))
	f.Add([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":429,"detail":"slow"}`))
	f.Add([]byte(`{"Resources":[{"id":"x","active":"True"}],"totalResults":1e3}`))
	f.Add([]byte(`<html>502</html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := scimclient.DecodeUserList(b); err == nil {
			for _, u := range p.Users {
				if u.ID == "" {
					t.Fatal("user without id")
				}
			}
		}
		_, _ = scimclient.DecodeUser(b)
		if g, err := scimclient.DecodeGroup(b); err == nil {
			for _, m := range g.MemberIDs {
				if m == "" {
					t.Fatal("empty member id")
				}
			}
		}
		_, _, _, _ = scimclient.DecodeError(b)
		h := http.Header{"Retry-After": {string(b)}, "X-Scim-Ratelimit-Reset": {string(b)}}
		if info, _ := scimclient.RateLimitFromHeader(h, time.Unix(0, 0)); info.RetryAfter < 0 || info.RetryAfter > time.Hour {
			t.Fatalf("retry after %v", info.RetryAfter)
		}
	})
}
