package scimclient

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// flexInt reads a JSON number or a numeric string (some apps quote them).
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != f || f > 1e12 || f < -1e12 {
			return err
		}
		v = int(f)
	}
	*n = flexInt(v)
	return nil
}

// flexBool reads a JSON boolean or "true"/"false"; absent means true.
type flexBool struct{ set, v bool }

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch strings.ToLower(s) {
	case "true":
		*f = flexBool{true, true}
	case "false":
		*f = flexBool{true, false}
	case "null", "":
		*f = flexBool{}
	default:
		return &json.UnmarshalTypeError{Value: "active " + shorten(s, 20)}
	}
	return nil
}

func (f flexBool) value() bool { return !f.set || f.v }

// wireUser is a User as read from an application (lenient).
type wireUser struct {
	ID          string       `json:"id"`
	ExternalID  string       `json:"externalId"`
	UserName    string       `json:"userName"`
	Name        *scim.Name   `json:"name"`
	DisplayName string       `json:"displayName"`
	Emails      []scim.Email `json:"emails"`
	Active      flexBool     `json:"active"`
}

func (w wireUser) remote() connector.RemoteUser {
	r := connector.RemoteUser{ID: w.ID, UserName: w.UserName, DisplayName: w.DisplayName,
		ExternalID: w.ExternalID, Active: w.Active.value()}
	if w.Name != nil {
		r.GivenName, r.FamilyName, r.Formatted = w.Name.GivenName, w.Name.FamilyName, w.Name.Formatted
	}
	for i, e := range w.Emails {
		if i == 0 || e.Primary {
			r.Email = e.Value
			if e.Primary {
				break
			}
		}
	}
	return r
}

// wireGroup is a Group as read from an application.
type wireGroup struct {
	ID          string        `json:"id"`
	DisplayName string        `json:"displayName"`
	Members     []scim.Member `json:"members"`
}

func (w wireGroup) remote() connector.RemoteGroup {
	g := connector.RemoteGroup{ID: w.ID, DisplayName: w.DisplayName, MemberIDs: make([]string, 0, len(w.Members))}
	for _, m := range w.Members {
		if m.Value != "" {
			g.MemberIDs = append(g.MemberIDs, m.Value)
		}
	}
	return g
}

// wireList is a ListResponse as read from an application.
type wireList struct {
	TotalResults flexInt           `json:"totalResults"`
	StartIndex   flexInt           `json:"startIndex"`
	ItemsPerPage flexInt           `json:"itemsPerPage"`
	Resources    []json.RawMessage `json:"Resources"`
}

// ListPage is one decoded page of users.
type ListPage struct {
	TotalResults int
	StartIndex   int
	ItemsPerPage int
	Users        []connector.RemoteUser
}

// DecodeUserList decodes a ListResponse of users. Resources that are
// not objects or lack an id are an error.
func DecodeUserList(raw []byte) (ListPage, error) {
	var l wireList
	if err := json.Unmarshal(raw, &l); err != nil {
		return ListPage{}, err
	}
	p := ListPage{TotalResults: int(l.TotalResults), StartIndex: int(l.StartIndex), ItemsPerPage: int(l.ItemsPerPage)}
	for _, r := range l.Resources {
		u, err := DecodeUser(r)
		if err != nil {
			return ListPage{}, err
		}
		p.Users = append(p.Users, u)
	}
	return p, nil
}

// DecodeUser decodes one User resource; it must have an id.
func DecodeUser(raw []byte) (connector.RemoteUser, error) {
	var w wireUser
	if err := json.Unmarshal(raw, &w); err != nil {
		return connector.RemoteUser{}, err
	}
	if w.ID == "" {
		return connector.RemoteUser{}, errNoID
	}
	return w.remote(), nil
}

// DecodeGroup decodes one Group resource; it must have an id.
func DecodeGroup(raw []byte) (connector.RemoteGroup, error) {
	var w wireGroup
	if err := json.Unmarshal(raw, &w); err != nil {
		return connector.RemoteGroup{}, err
	}
	if w.ID == "" {
		return connector.RemoteGroup{}, errNoID
	}
	return w.remote(), nil
}

type decodeErr string

func (e decodeErr) Error() string { return string(e) }

const errNoID = decodeErr("resource has no id")
