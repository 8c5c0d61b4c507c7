package quipsim

import (
	"net/http"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

const (
	defaultCount = 100
	maxCount     = 1000
)

// toSCIM renders a stored user: names derived from the full name, every
// e-mail typed "work", userName as assigned.
func toSCIM(u User, base string) *scim.User {
	active := u.Active
	created, modified := u.Created, u.Modified
	out := &scim.User{
		Schemas:     []string{scim.SchemaUser},
		ID:          u.ID,
		ExternalID:  u.ExternalID,
		UserName:    u.UserName,
		DisplayName: u.DisplayName,
		Active:      &active,
		Name:        &scim.Name{Formatted: u.FullName, GivenName: u.GivenName(), FamilyName: u.FamilyName()},
		Meta: &scim.Meta{ResourceType: "User", Created: &created, LastModified: &modified,
			Location: base + "/Users/" + u.ID},
	}
	for _, e := range u.Emails {
		out.Emails = append(out.Emails, scim.Email{Value: e.Value, Type: "work", Primary: e.Primary})
	}
	return out
}

// userMap is the generic form of a user, used by filters.
func userMap(u User) map[string]any {
	emails := make([]any, len(u.Emails))
	for i, e := range u.Emails {
		emails[i] = map[string]any{"value": e.Value, "type": "work", "primary": e.Primary}
	}
	m := map[string]any{
		"id": u.ID, "userName": u.UserName, "displayName": u.DisplayName, "active": u.Active, "emails": emails,
		"name": map[string]any{"formatted": u.FullName, "givenName": u.GivenName(), "familyName": u.FamilyName()},
		"meta": map[string]any{"resourceType": "User", "created": u.Created.Format(time.RFC3339Nano), "lastModified": u.Modified.Format(time.RFC3339Nano)},
	}
	if u.ExternalID != "" {
		m["externalId"] = u.ExternalID
	}
	return m
}

// inputFromSCIM applies Quip's write rules: userName and roles are
// ignored, the full name is givenName + " " + familyName (or formatted
// when both are empty), every e-mail becomes type work.
func inputFromSCIM(u *scim.User) (userInput, error) {
	in := userInput{ExternalID: strings.TrimSpace(u.ExternalID), DisplayName: strings.TrimSpace(u.DisplayName), Active: u.Active}
	if u.Name != nil {
		in.FullName = strings.TrimSpace(strings.TrimSpace(u.Name.GivenName) + " " + strings.TrimSpace(u.Name.FamilyName))
		if in.FullName == "" {
			in.FullName = strings.TrimSpace(u.Name.Formatted)
		}
	}
	if in.FullName == "" {
		in.FullName = in.DisplayName
	}
	if in.DisplayName == "" {
		in.DisplayName = in.FullName
	}
	if len(in.FullName) > 256 || len(in.DisplayName) > 256 || len(in.ExternalID) > 256 {
		return in, scim.BadRequest(scim.TypeInvalidValue, "name, displayName and externalId must be at most 256 bytes")
	}
	primary := -1
	for _, e := range u.Emails {
		v := strings.TrimSpace(e.Value)
		if v == "" {
			continue
		}
		local, domain, ok := strings.Cut(v, "@")
		if !ok || local == "" || domain == "" || strings.ContainsAny(v, " \t\r\n<>,;\"") || len(v) > 254 {
			return in, scim.BadRequest(scim.TypeInvalidValue, "email %q is not a valid address", v)
		}
		if e.Primary && primary < 0 {
			primary = len(in.Emails)
		}
		in.Emails = append(in.Emails, Email{Value: v})
	}
	if len(in.Emails) == 0 {
		return in, scim.BadRequest(scim.TypeInvalidValue, "at least one email is required")
	}
	if len(in.Emails) > 20 {
		return in, scim.BadRequest(scim.TypeInvalidValue, "at most 20 emails")
	}
	seen := map[string]bool{}
	for _, e := range in.Emails {
		l := strings.ToLower(e.Value)
		if seen[l] {
			return in, scim.BadRequest(scim.TypeInvalidValue, "email %q is given twice", e.Value)
		}
		seen[l] = true
	}
	in.Emails[max(primary, 0)].Primary = true
	return in, nil
}

func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, status int, u User) {
	res := toSCIM(u, baseFrom(r.Context()))
	if status == http.StatusCreated {
		w.Header().Set("Location", res.Meta.Location)
	}
	q := r.URL.Query()
	attrs, excl := q.Get("attributes"), q.Get("excludedAttributes")
	if attrs == "" && excl == "" {
		scim.WriteJSON(w, status, res)
		return
	}
	p, _ := scim.ParseListParams(q, defaultCount, maxCount)
	m, err := scim.ToMap(res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scim.WriteJSON(w, status, scim.Project(m, p.Attributes, p.Excluded, userSchema))
}

func (s *Server) postUser(w http.ResponseWriter, r *http.Request) {
	su, err := scim.DecodeUser(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := inputFromSCIM(su)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.createUser(r.Context(), companyFrom(r.Context()), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeUser(w, r, http.StatusCreated, u)
}

func (s *Server) getUserHTTP(w http.ResponseWriter, r *http.Request, id string) {
	u, err := s.GetUser(r.Context(), companyFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeUser(w, r, http.StatusOK, u)
}

func (s *Server) putUser(w http.ResponseWriter, r *http.Request, id string) {
	su, err := scim.DecodeUser(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := inputFromSCIM(su)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.updateUser(r.Context(), companyFrom(r.Context()), id, func(User) (userInput, error) { return in, nil })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeUser(w, r, http.StatusOK, u)
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request, id string) {
	p, err := scim.DecodePatch(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := baseFrom(r.Context())
	u, err := s.updateUser(r.Context(), companyFrom(r.Context()), id, func(cur User) (userInput, error) {
		m, err := scim.ToMap(toSCIM(cur, base))
		if err != nil {
			return userInput{}, err
		}
		m, err = scim.ApplyPatch(m, p.Operations, userSchema, scim.PatchOptions{
			Ignore: []string{"userName", "roles", "entitlements", "x509Certificates", scim.SchemaEnterpriseUser}})
		if err != nil {
			return userInput{}, err
		}
		var su scim.User
		if err := scim.FromMap(m, &su); err != nil {
			return userInput{}, err
		}
		return inputFromSCIM(&su)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeUser(w, r, http.StatusOK, u)
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, id string) {
	if err := s.deactivateUser(r.Context(), companyFrom(r.Context()), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	company := companyFrom(ctx)
	p, err := scim.ParseListParams(r.URL.Query(), defaultCount, maxCount)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.SortBy != "" {
		s.fail(w, r, scim.BadRequest(scim.TypeInvalidFilter, "sorting is not supported"))
		return
	}
	var total int
	var page []User
	if p.Filter == "" {
		total, page, err = s.pageUsers(ctx, company, p.StartIndex-1, p.Count)
	} else {
		var all []User
		all, err = s.filterUsers(r, company, p.Filter)
		total = len(all)
		if lo := p.StartIndex - 1; lo < len(all) {
			page = all[lo:min(lo+p.Count, len(all))]
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	base := baseFrom(ctx)
	items := make([]any, 0, len(page))
	for _, u := range page {
		res := toSCIM(u, base)
		if p.Projected() {
			m, err := scim.ToMap(res)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			items = append(items, scim.Project(m, p.Attributes, p.Excluded, userSchema))
			continue
		}
		items = append(items, res)
	}
	scim.WriteJSON(w, http.StatusOK, scim.NewListResponse(total, p.StartIndex, items))
}

// filterUsers answers `attr eq value` on emails, userName, externalId or
// id from an index, anything else by scanning the company's users.
// Deactivated users are always included.
func (s *Server) filterUsers(r *http.Request, company, raw string) ([]User, error) {
	f, err := scim.ParseFilter(raw, userSchema)
	if err != nil {
		return nil, err
	}
	if attr, v, ok := f.Equality(); ok {
		if us, handled, err := s.findUsers(r.Context(), company, attr, v); handled || err != nil {
			return us, err
		}
	}
	all, err := s.ListUsers(r.Context(), company)
	if err != nil {
		return nil, err
	}
	var out []User
	for _, u := range all {
		if f.Match(userMap(u)) {
			out = append(out, u)
		}
	}
	return out, nil
}
