package apiclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func TestErrorsAndRequests(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"code":"unauthorized","message":"invalid API key","requestId":"r1"}}`)
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "POST /api/v1/users":
			b, _ := io.ReadAll(r.Body)
			if string(b) != `{"username":"a","email":"a@example.com","firstname":"","lastname":"","employeeIdentifier":"","displayName":"","state":""}` {
				t.Errorf("body = %s", b)
			}
			w.WriteHeader(409)
			io.WriteString(w, `{"error":{"code":"conflict","message":"username is already taken","fields":[{"field":"username","reason":"already taken"}]}}`)
		case "GET /api/v1/users":
			if r.URL.RawQuery != "limit=2&order=desc&q=x" {
				t.Errorf("query = %s", r.URL.RawQuery)
			}
			io.WriteString(w, `{"items":[{"id":"1","username":"a"}],"total":1,"limit":2,"offset":0}`)
		case "GET /api/v1/groups/a b":
			w.WriteHeader(502)
			io.WriteString(w, "<html>bad gateway</html>")
		case "DELETE /api/v1/groups/g1":
			w.WriteHeader(204)
		}
	}))
	defer ts.Close()
	ctx := context.Background()
	c := &apiclient.Client{BaseURL: ts.URL + "/", APIKey: "k"}
	_, err := c.CreateUser(ctx, api.UserInput{Username: "a", Email: "a@example.com"})
	if directory.ErrorCode(err) != directory.ECONFLICT || directory.ErrorFields(err)[0].Field != "username" {
		t.Fatalf("conflict err = %v", err)
	}
	if err.Error() != "username is already taken (HTTP 409, conflict); username already taken" {
		t.Fatalf("message = %q", err.Error())
	}
	p, err := c.ListUsers(ctx, apiclient.ListOptions{Limit: 2, Query: "x", Order: "desc"})
	if err != nil || p.Total != 1 || p.Items[0].Username != "a" {
		t.Fatalf("list = %+v %v", p, err)
	}
	_, err = c.GetGroup(ctx, "a b")
	if directory.ErrorCode(err) != directory.EUNAVAILABLE {
		t.Fatalf("non-JSON error = %v", err)
	}
	if err := c.DeleteGroup(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	bad := &apiclient.Client{BaseURL: ts.URL, APIKey: "nope"}
	_, err = bad.ListGroups(ctx, apiclient.ListOptions{})
	var ae *apiclient.Error
	if !asError(err, &ae) || ae.Status != 401 || ae.RequestID != "r1" {
		t.Fatalf("401 err = %#v", err)
	}
}

func asError(err error, target **apiclient.Error) bool {
	e, ok := err.(*apiclient.Error)
	*target = e
	return ok
}
