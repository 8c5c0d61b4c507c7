package quipsim

import (
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// groupToSCIM renders a group; externalId is never returned.
func groupToSCIM(g Group, base string) *scim.Group {
	created, modified := g.Created, g.Modified
	out := &scim.Group{
		Schemas:     []string{scim.SchemaGroup},
		ID:          g.ID,
		DisplayName: g.DisplayName,
		Members:     []scim.Member{},
		Meta: &scim.Meta{ResourceType: "Group", Created: &created, LastModified: &modified,
			Location: base + "/Groups/" + g.ID},
	}
	for _, m := range g.Members {
		out.Members = append(out.Members, scim.Member{Value: m.UserID, Display: m.Display, Ref: base + "/Users/" + m.UserID, Type: "User"})
	}
	return out
}

func memberIDs(g *scim.Group) []string {
	ids := make([]string, 0, len(g.Members))
	for _, m := range g.Members {
		ids = append(ids, m.Value)
	}
	return ids
}

func (s *Server) writeGroup(w http.ResponseWriter, r *http.Request, status int, g Group) {
	res := groupToSCIM(g, baseFrom(r.Context()))
	if status == http.StatusCreated {
		w.Header().Set("Location", res.Meta.Location)
	}
	p, _ := scim.ParseListParams(r.URL.Query(), defaultCount, maxCount)
	if !p.Projected() {
		scim.WriteJSON(w, status, res)
		return
	}
	m, err := scim.ToMap(res)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scim.WriteJSON(w, status, scim.Project(m, p.Attributes, p.Excluded, groupSchema))
}

func (s *Server) postGroup(w http.ResponseWriter, r *http.Request) {
	sg, err := scim.DecodeGroup(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	g, err := s.createGroup(r.Context(), companyFrom(r.Context()), sg.DisplayName, memberIDs(sg))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusCreated, g)
}

func (s *Server) getGroupHTTP(w http.ResponseWriter, r *http.Request, id string) {
	g, err := s.GetGroup(r.Context(), companyFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g)
}

func (s *Server) putGroup(w http.ResponseWriter, r *http.Request, id string) {
	sg, err := scim.DecodeGroup(r.Body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	g, err := s.replaceGroup(r.Context(), companyFrom(r.Context()), id, sg.DisplayName, memberIDs(sg))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeGroup(w, r, http.StatusOK, g)
}

func (s *Server) deleteGroupHTTP(w http.ResponseWriter, r *http.Request, id string) {
	if err := s.deleteGroup(r.Context(), companyFrom(r.Context()), id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listGroups pages through the company's groups; Quip supports neither
// filtering nor sorting them.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := scim.ParseListParams(r.URL.Query(), defaultCount, maxCount)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Filter != "" || p.SortBy != "" {
		s.fail(w, r, scim.BadRequest(scim.TypeInvalidFilter, "GET /Groups supports neither filtering nor sorting"))
		return
	}
	company := companyFrom(ctx)
	total, err := s.countGroups(ctx, company)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var page []Group
	if p.Count > 0 {
		if page, err = s.pageGroups(ctx, company, p.StartIndex-1, p.Count); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	base := baseFrom(ctx)
	items := make([]any, 0, len(page))
	for _, g := range page {
		res := groupToSCIM(g, base)
		if p.Projected() {
			m, err := scim.ToMap(res)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			items = append(items, scim.Project(m, p.Attributes, p.Excluded, groupSchema))
			continue
		}
		items = append(items, res)
	}
	scim.WriteJSON(w, http.StatusOK, scim.NewListResponse(total, p.StartIndex, items))
}
