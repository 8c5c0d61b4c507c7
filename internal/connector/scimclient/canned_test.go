package scimclient_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// canned is a small RFC 7644 server for the generic connector's tests:
// users and groups in maps, PATCH on groups when patch is true, DELETE
// of users refused with 405 when noUserDelete is true.
type canned struct {
	mu           sync.Mutex
	patch        bool
	noUserDelete bool
	next         int
	users        map[string]map[string]any
	groups       map[string]*scim.Group
	log          []string // "METHOD path body"
}

func newCanned(t *testing.T, patch bool) (*canned, *httptest.Server) {
	c := &canned{patch: patch, users: map[string]map[string]any{}, groups: map[string]*scim.Group{}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv
}

func (c *canned) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.log
	c.log = nil
	return out
}

func writeErr(w http.ResponseWriter, status int, detail string) {
	scim.WriteJSON(w, status, scim.ErrorBody{Schemas: []string{scim.SchemaError}, Status: strconv.Itoa(status), Detail: detail})
}

func (c *canned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	c.log = append(c.log, r.Method+" "+r.URL.Path+" "+string(body))
	if r.Header.Get("Authorization") != "Bearer tok" {
		writeErr(w, 401, "bad token")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case parts[0] == "ServiceProviderConfig":
		scim.WriteJSON(w, 200, map[string]any{"patch": map[string]any{"supported": c.patch}})
	case parts[0] == "Users" && len(parts) == 1 && r.Method == "GET":
		var res []any
		for _, u := range c.users {
			res = append(res, u)
		}
		scim.WriteJSON(w, 200, scim.NewListResponse(len(res), 1, res))
	case parts[0] == "Users" && len(parts) == 1 && r.Method == "POST":
		var u map[string]any
		_ = json.Unmarshal(body, &u)
		c.next++
		u["id"] = fmt.Sprintf("u%d", c.next)
		c.users[u["id"].(string)] = u
		scim.WriteJSON(w, 201, u)
	case parts[0] == "Users" && len(parts) == 2:
		u, ok := c.users[parts[1]]
		if !ok {
			writeErr(w, 404, "no such user")
			return
		}
		switch r.Method {
		case "GET":
			scim.WriteJSON(w, 200, u)
		case "PATCH":
			var p scim.PatchRequest
			_ = json.Unmarshal(body, &p)
			for _, op := range p.Operations {
				var v any
				_ = json.Unmarshal(op.Value, &v)
				u[op.Path] = v
			}
			w.WriteHeader(204)
		case "PUT":
			var nu map[string]any
			_ = json.Unmarshal(body, &nu)
			nu["id"] = parts[1]
			c.users[parts[1]] = nu
			scim.WriteJSON(w, 200, nu)
		case "DELETE":
			if c.noUserDelete {
				writeErr(w, 405, "users cannot be deleted here")
				return
			}
			delete(c.users, parts[1])
			w.WriteHeader(204)
		}
	case parts[0] == "Groups" && len(parts) == 1 && r.Method == "GET":
		var res []any
		for _, g := range c.groups {
			res = append(res, g)
		}
		scim.WriteJSON(w, 200, scim.NewListResponse(len(res), 1, res))
	case parts[0] == "Groups" && len(parts) == 1 && r.Method == "POST":
		var g scim.Group
		_ = json.Unmarshal(body, &g)
		c.next++
		g.ID = fmt.Sprintf("g%d", c.next)
		c.groups[g.ID] = &g
		scim.WriteJSON(w, 201, g)
	case parts[0] == "Groups" && len(parts) == 2:
		g, ok := c.groups[parts[1]]
		if !ok {
			writeErr(w, 404, "no such group")
			return
		}
		switch r.Method {
		case "GET":
			scim.WriteJSON(w, 200, g)
		case "PUT":
			var ng scim.Group
			_ = json.Unmarshal(body, &ng)
			ng.ID = g.ID
			c.groups[g.ID] = &ng
			scim.WriteJSON(w, 200, ng)
		case "PATCH":
			if !c.patch {
				writeErr(w, 501, "no PATCH")
				return
			}
			c.patchGroup(g, body)
			w.WriteHeader(204)
		case "DELETE":
			delete(c.groups, g.ID)
			w.WriteHeader(204)
		}
	default:
		writeErr(w, 404, "no endpoint")
	}
}

// patchGroup understands what the connector sends: replace displayName,
// add members, remove members[value eq "x"].
func (c *canned) patchGroup(g *scim.Group, body []byte) {
	var p scim.PatchRequest
	_ = json.Unmarshal(body, &p)
	for _, op := range p.Operations {
		switch {
		case op.Op == "replace" && op.Path == "displayName":
			_ = json.Unmarshal(op.Value, &g.DisplayName)
		case op.Op == "add" && op.Path == "members":
			var ms []scim.Member
			_ = json.Unmarshal(op.Value, &ms)
			g.Members = append(g.Members, ms...)
		case op.Op == "remove" && strings.HasPrefix(op.Path, "members[value eq "):
			id := strings.Trim(strings.TrimSuffix(strings.TrimPrefix(op.Path, "members[value eq "), "]"), `"`)
			kept := g.Members[:0]
			for _, m := range g.Members {
				if m.Value != id {
					kept = append(kept, m)
				}
			}
			g.Members = kept
		}
	}
}
