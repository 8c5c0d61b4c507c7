package api

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// listParams are the common query parameters of lists.
type listParams struct {
	limit, offset int
	q, sort       string
	desc          bool
}

// MaxSearchLen bounds the q parameter.
const MaxSearchLen = 256

func parseList(v url.Values, sorts ...string) (listParams, error) {
	var p listParams
	var fe []directory.FieldError
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fe = append(fe, directory.FieldError{Field: "limit", Reason: "must be a positive integer"})
		}
		p.limit = n
	}
	p.limit = directory.PageLimit(p.limit)
	if s := v.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fe = append(fe, directory.FieldError{Field: "offset", Reason: "must be a non-negative integer"})
		}
		p.offset = n
	}
	p.q = strings.TrimSpace(v.Get("q"))
	if len(p.q) > MaxSearchLen {
		fe = append(fe, directory.FieldError{Field: "q", Reason: "must be at most 256 bytes"})
	}
	if s := v.Get("sort"); s != "" {
		ok := false
		for _, allowed := range sorts {
			ok = ok || s == allowed
		}
		if !ok {
			fe = append(fe, directory.FieldError{Field: "sort", Reason: "must be one of " + strings.Join(sorts, ", ")})
		}
		p.sort = s
	}
	switch v.Get("order") {
	case "", "asc":
	case "desc":
		p.desc = true
	default:
		fe = append(fe, directory.FieldError{Field: "order", Reason: "must be asc or desc"})
	}
	if len(fe) > 0 {
		return listParams{}, directory.Invalid(fe...)
	}
	return p, nil
}

var userSorts = []string{string(directory.SortUsername), string(directory.SortEmail), string(directory.SortCreated),
	string(directory.SortLastName), string(directory.SortFirstName)}

var groupSorts = []string{string(directory.SortGroupName), string(directory.SortGroupCreated)}

func userFilter(v url.Values) (directory.UserFilter, error) {
	p, err := parseList(v, userSorts...)
	if err != nil {
		return directory.UserFilter{}, err
	}
	f := directory.UserFilter{Search: p.q, Sort: directory.UserSort(p.sort), Desc: p.desc, Offset: p.offset, Limit: p.limit}
	if s := v.Get("state"); s != "" {
		f.State = directory.UserState(s)
		if !f.State.Valid() {
			return directory.UserFilter{}, directory.Invalid(directory.FieldError{Field: "state", Reason: "must be one of staged, activated, suspended"})
		}
	}
	return f, nil
}

func groupFilter(v url.Values) (directory.GroupFilter, error) {
	p, err := parseList(v, groupSorts...)
	if err != nil {
		return directory.GroupFilter{}, err
	}
	return directory.GroupFilter{Search: p.q, Sort: directory.GroupSort(p.sort), Desc: p.desc, Offset: p.offset, Limit: p.limit}, nil
}
