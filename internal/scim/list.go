package scim

import (
	"net/url"
	"strconv"
	"strings"
)

// ListParams are the query parameters of a list request.
type ListParams struct {
	Filter     string
	SortBy     string
	StartIndex int // 1-based
	Count      int
	Attributes []string
	Excluded   []string
}

// ParseListParams reads filter, sortBy, startIndex, count, attributes and
// excludedAttributes. A startIndex below 1 is read as 1, a negative count
// as 0 and a count above maxCount as maxCount (RFC 7644 section 3.4.2.4);
// values that are not integers are 400 invalidValue.
func ParseListParams(q url.Values, defaultCount, maxCount int) (ListParams, error) {
	p := ListParams{
		Filter:     q.Get("filter"),
		SortBy:     q.Get("sortBy"),
		StartIndex: 1,
		Count:      defaultCount,
		Attributes: splitList(q.Get("attributes")),
		Excluded:   splitList(q.Get("excludedAttributes")),
	}
	if s := q.Get("startIndex"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, BadRequest(TypeInvalidValue, "startIndex %q is not an integer", s)
		}
		p.StartIndex = max(n, 1)
	}
	if s := q.Get("count"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, BadRequest(TypeInvalidValue, "count %q is not an integer", s)
		}
		p.Count = min(max(n, 0), maxCount)
	}
	return p, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// NewListResponse wraps one page of resources.
func NewListResponse(total, startIndex int, resources []any) ListResponse {
	if resources == nil {
		resources = []any{}
	}
	return ListResponse{
		Schemas:      []string{SchemaListResponse},
		TotalResults: total,
		StartIndex:   startIndex,
		ItemsPerPage: len(resources),
		Resources:    resources,
	}
}

// Projected reports whether the parameters ask for a subset of attributes.
func (p ListParams) Projected() bool { return len(p.Attributes) > 0 || len(p.Excluded) > 0 }

// Project applies attributes/excludedAttributes (RFC 7644 section
// 3.4.2.5) to the generic form m of a resource of schema s. "schemas" and
// "id" are always returned. Names may carry the schema URN and a
// sub-attribute ("name.givenName").
func Project(m map[string]any, attributes, excluded []string, s *Schema) map[string]any {
	if len(attributes) > 0 {
		out := map[string]any{}
		for _, k := range []string{"schemas", "id"} {
			if v := Get(m, k); v != nil {
				out[k] = v
			}
		}
		for _, name := range attributes {
			top, sub := splitAttr(name, s)
			v := Get(m, top)
			if v == nil {
				continue
			}
			key := canonicalKey(m, top)
			if sub == "" {
				out[key] = v
				continue
			}
			copySub(out, key, v, sub)
		}
		return out
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for _, name := range excluded {
		top, sub := splitAttr(name, s)
		if strings.EqualFold(top, "id") || strings.EqualFold(top, "schemas") {
			continue
		}
		if sub == "" {
			deleteKey(out, top)
			continue
		}
		key := canonicalKey(out, top)
		switch v := out[key].(type) {
		case map[string]any:
			c := make(map[string]any, len(v))
			for k, x := range v {
				if !strings.EqualFold(k, sub) {
					c[k] = x
				}
			}
			out[key] = c
		case []any:
			list := make([]any, 0, len(v))
			for _, el := range v {
				if em, ok := el.(map[string]any); ok {
					c := make(map[string]any, len(em))
					for k, x := range em {
						if !strings.EqualFold(k, sub) {
							c[k] = x
						}
					}
					list = append(list, c)
				}
			}
			out[key] = list
		}
	}
	return out
}

func splitAttr(name string, s *Schema) (top, sub string) {
	if s != nil && len(name) > len(s.ID)+1 && strings.EqualFold(name[:len(s.ID)+1], s.ID+":") {
		name = name[len(s.ID)+1:]
	}
	top, sub, _ = strings.Cut(name, ".")
	return top, sub
}

func canonicalKey(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

func copySub(out map[string]any, key string, v any, sub string) {
	switch v := v.(type) {
	case map[string]any:
		dst, _ := out[key].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			out[key] = dst
		}
		if x := Get(v, sub); x != nil {
			dst[canonicalKey(v, sub)] = x
		}
	case []any:
		list := make([]any, 0, len(v))
		for _, el := range v {
			if em, ok := el.(map[string]any); ok {
				if x := Get(em, sub); x != nil {
					list = append(list, map[string]any{canonicalKey(em, sub): x})
				}
			}
		}
		out[key] = list
	}
}
