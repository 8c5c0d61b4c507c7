package scim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// MaxFilterLength bounds the length of a filter expression.
const MaxFilterLength = 4096

// Filter is a filter expression parsed and checked against a schema.
type Filter struct {
	Expr   filter.Expression
	schema *Schema
}

// ParseFilter parses raw (RFC 7644 section 3.4.2.2) and checks every
// attribute it names against s. Values may be given unquoted, as in
// `emails eq a@b.c`: a bare value after a comparison operator that is not
// true, false, null or a number is read as a string. Every failure is a
// 400 invalidFilter.
func ParseFilter(raw string, s *Schema) (f *Filter, err error) {
	if len(raw) > MaxFilterLength {
		return nil, BadRequest(TypeInvalidFilter, "filter is longer than %d bytes", MaxFilterLength)
	}
	if strings.TrimSpace(raw) == "" {
		return nil, BadRequest(TypeInvalidFilter, "filter is empty")
	}
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, BadRequest(TypeInvalidFilter, "filter %q cannot be parsed", raw)
		}
	}()
	expr, fast := simpleEq(raw)
	var perr error
	if !fast {
		expr, perr = filter.ParseFilterNumber([]byte(raw))
	}
	if perr != nil {
		quoted := quoteBareValues(raw)
		if quoted == raw {
			return nil, BadRequest(TypeInvalidFilter, "filter %q cannot be parsed", raw)
		}
		expr, perr = filter.ParseFilterNumber([]byte(quoted))
		if perr != nil {
			return nil, BadRequest(TypeInvalidFilter, "filter %q cannot be parsed", raw)
		}
	}
	if err := checkExpr(expr, s, s.Attributes, true); err != nil {
		return nil, err
	}
	return &Filter{Expr: expr, schema: s}, nil
}

// simpleEq reads the common `attr eq value` / `attr.sub eq "value"` form
// without the general parser (which is slow); anything else is left to it.
func simpleEq(raw string) (filter.Expression, bool) {
	f := strings.Fields(raw)
	if len(f) != 3 || !strings.EqualFold(f[1], "eq") || !isAttrPath(f[0]) {
		return nil, false
	}
	v := f[2]
	if strings.HasPrefix(v, `"`) {
		if len(v) < 2 || !strings.HasSuffix(v, `"`) || strings.ContainsAny(v[1:len(v)-1], `"\`) {
			return nil, false
		}
		v = v[1 : len(v)-1]
	} else if strings.ContainsAny(v, `"()[]\`) || isLiteral(v) {
		return nil, false
	}
	name, sub, hasSub := strings.Cut(f[0], ".")
	p := filter.AttributePath{AttributeName: name}
	if hasSub {
		p.SubAttribute = &sub
	}
	return &filter.AttributeExpression{AttributePath: p, Operator: filter.EQ, CompareValue: v}, true
}

// isAttrPath accepts ATTRNAME or ATTRNAME.ATTRNAME (RFC 7644 grammar, no URN).
func isAttrPath(s string) bool {
	name, sub, hasSub := strings.Cut(s, ".")
	return isAttrName(name) && (!hasSub || isAttrName(sub))
}

func isAttrName(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '$') {
			return false
		}
	}
	return true
}

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "ge": true, "lt": true, "le": true}

// quoteBareValues quotes the unquoted value after each comparison operator.
func quoteBareValues(raw string) string {
	var b strings.Builder
	prev := ""
	i := 0
	for i < len(raw) {
		c := raw[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(raw) && raw[j] != '"' {
				if raw[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(raw) {
				j = len(raw) - 1
			}
			b.WriteString(raw[i : j+1])
			prev = raw[i : j+1]
			i = j + 1
		case c == ' ' || c == '\t' || c == '(' || c == ')' || c == '[' || c == ']':
			b.WriteByte(c)
			if c != ' ' && c != '\t' {
				prev = string(c)
			}
			i++
		default:
			j := i
			for j < len(raw) && !strings.ContainsRune(" \t()[]", rune(raw[j])) {
				j++
			}
			tok := raw[i:j]
			if compareOps[strings.ToLower(prev)] && !isLiteral(tok) {
				b.WriteString(strconv.Quote(tok))
			} else {
				b.WriteString(tok)
			}
			prev = tok
			i = j
		}
	}
	return b.String()
}

func isLiteral(tok string) bool {
	switch strings.ToLower(tok) {
	case "true", "false", "null":
		return true
	}
	_, err := strconv.ParseFloat(tok, 64)
	return err == nil
}

func findAttr(attrs []Attribute, name string, common bool) *Attribute {
	for i := range attrs {
		if strings.EqualFold(attrs[i].Name, name) {
			return &attrs[i]
		}
	}
	if common {
		for i := range commonAttrs {
			if strings.EqualFold(commonAttrs[i].Name, name) {
				return &commonAttrs[i]
			}
		}
	}
	return nil
}

// resolve finds the attribute a path compares against: the sub-attribute
// when one is named, "value" for a multi-valued complex attribute.
func resolve(p filter.AttributePath, s *Schema, attrs []Attribute, top bool) (*Attribute, error) {
	if p.URIPrefix != nil && (s == nil || !s.stripURI(p.URI())) {
		return nil, BadRequest(TypeInvalidFilter, "unsupported schema in filter attribute %q", p.String())
	}
	a := findAttr(attrs, p.AttributeName, top)
	if a == nil {
		return nil, BadRequest(TypeInvalidFilter, "filtering on attribute %q is not supported", p.String())
	}
	if p.SubAttribute != nil {
		sub := a.Sub(*p.SubAttribute)
		if sub == nil {
			return nil, BadRequest(TypeInvalidFilter, "filtering on attribute %q is not supported", p.String())
		}
		return sub, nil
	}
	if a.Type == "complex" {
		if v := a.Sub("value"); v != nil && a.MultiValued {
			return v, nil
		}
		return nil, BadRequest(TypeInvalidFilter, "attribute %q is complex; name a sub-attribute", p.String())
	}
	return a, nil
}

func checkExpr(e filter.Expression, s *Schema, attrs []Attribute, top bool) error {
	switch e := e.(type) {
	case *filter.AttributeExpression:
		a, err := resolve(e.AttributePath, s, attrs, top)
		if err != nil {
			return err
		}
		return checkCompare(a, e)
	case *filter.LogicalExpression:
		if err := checkExpr(e.Left, s, attrs, top); err != nil {
			return err
		}
		return checkExpr(e.Right, s, attrs, top)
	case *filter.NotExpression:
		return checkExpr(e.Expression, s, attrs, top)
	case *filter.ValuePath:
		if e.AttributePath.SubAttribute != nil {
			return BadRequest(TypeInvalidFilter, "value path %q must not name a sub-attribute", e.AttributePath.String())
		}
		if e.AttributePath.URIPrefix != nil && !s.stripURI(e.AttributePath.URI()) {
			return BadRequest(TypeInvalidFilter, "unsupported schema in %q", e.AttributePath.String())
		}
		a := findAttr(attrs, e.AttributePath.AttributeName, top)
		if a == nil || a.Type != "complex" {
			return BadRequest(TypeInvalidFilter, "value filter on %q is not supported", e.AttributePath.String())
		}
		return checkExpr(e.ValueFilter, nil, a.SubAttributes, false)
	}
	return BadRequest(TypeInvalidFilter, "unsupported filter expression")
}

func checkCompare(a *Attribute, e *filter.AttributeExpression) error {
	op := strings.ToLower(string(e.Operator))
	if op == "pr" {
		return nil
	}
	v := e.CompareValue
	switch a.Type {
	case "boolean":
		if _, ok := v.(bool); !ok || (op != "eq" && op != "ne") {
			return BadRequest(TypeInvalidFilter, "attribute %q is boolean: only eq/ne with true or false", e.AttributePath.String())
		}
	case "integer", "decimal":
		if _, ok := toFloat(v); !ok || op == "co" || op == "sw" || op == "ew" {
			return BadRequest(TypeInvalidFilter, "attribute %q is a number", e.AttributePath.String())
		}
	case "dateTime":
		s, ok := v.(string)
		if !ok {
			return BadRequest(TypeInvalidFilter, "attribute %q is a dateTime", e.AttributePath.String())
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return BadRequest(TypeInvalidFilter, "attribute %q is a dateTime: %q is not RFC 3339", e.AttributePath.String(), s)
		}
	default:
		if v == nil && (op == "eq" || op == "ne") {
			return nil
		}
		if _, ok := v.(string); !ok {
			return BadRequest(TypeInvalidFilter, "attribute %q is a string: compare it with a quoted value", e.AttributePath.String())
		}
	}
	return nil
}

// Match reports whether the resource (its generic JSON form) matches the filter.
func (f *Filter) Match(res map[string]any) bool {
	return match(f.Expr, res, f.schema.Attributes, true)
}

func match(e filter.Expression, res map[string]any, attrs []Attribute, top bool) bool {
	switch e := e.(type) {
	case *filter.AttributeExpression:
		ap := e.AttributePath
		ap.URIPrefix = nil // checked by ParseFilter
		a, err := resolve(ap, nil, attrs, top)
		if err != nil {
			return false
		}
		return compareValues(a, values(res, e.AttributePath), strings.ToLower(string(e.Operator)), e.CompareValue)
	case *filter.LogicalExpression:
		if strings.EqualFold(string(e.Operator), "and") {
			return match(e.Left, res, attrs, top) && match(e.Right, res, attrs, top)
		}
		return match(e.Left, res, attrs, top) || match(e.Right, res, attrs, top)
	case *filter.NotExpression:
		return !match(e.Expression, res, attrs, top)
	case *filter.ValuePath:
		a := findAttr(attrs, e.AttributePath.AttributeName, top)
		if a == nil {
			return false
		}
		for _, el := range elements(Get(res, e.AttributePath.AttributeName)) {
			if m, ok := el.(map[string]any); ok && match(e.ValueFilter, m, a.SubAttributes, false) {
				return true
			}
		}
	}
	return false
}

// Get returns m's value for key, matching the key case-insensitively.
func Get(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func elements(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// values collects the values a path points at, flattening multi-valued
// attributes; a multi-valued complex attribute without a sub-attribute
// yields its elements' "value".
func values(res map[string]any, p filter.AttributePath) []any {
	sub := p.SubAttributeName()
	var out []any
	for _, el := range elements(Get(res, p.AttributeName)) {
		if m, ok := el.(map[string]any); ok {
			key := sub
			if key == "" {
				key = "value"
			}
			if v := Get(m, key); v != nil {
				out = append(out, v)
			}
			continue
		}
		if sub == "" {
			out = append(out, el)
		}
	}
	return out
}

func compareValues(a *Attribute, vals []any, op string, want any) bool {
	if op == "pr" {
		for _, v := range vals {
			if s, ok := v.(string); !ok || s != "" {
				return true
			}
		}
		return false
	}
	if op == "ne" {
		return !compareValues(a, vals, "eq", want)
	}
	if want == nil {
		return op == "eq" && len(vals) == 0
	}
	for _, v := range vals {
		if compareOne(a, v, op, want) {
			return true
		}
	}
	return false
}

func compareOne(a *Attribute, v any, op string, want any) bool {
	switch a.Type {
	case "boolean":
		b, ok := v.(bool)
		return ok && op == "eq" && b == want.(bool)
	case "integer", "decimal":
		x, ok1 := toFloat(v)
		y, ok2 := toFloat(want)
		return ok1 && ok2 && ordered(cmpFloat(x, y), op)
	case "dateTime":
		s, _ := v.(string)
		x, err1 := time.Parse(time.RFC3339Nano, s)
		y, err2 := time.Parse(time.RFC3339Nano, want.(string))
		return err1 == nil && err2 == nil && ordered(x.Compare(y), op)
	}
	s, ok := v.(string)
	w, ok2 := want.(string)
	if !ok || !ok2 {
		return false
	}
	if !a.CaseExact {
		s, w = strings.ToLower(s), strings.ToLower(w)
	}
	switch op {
	case "co":
		return strings.Contains(s, w)
	case "sw":
		return strings.HasPrefix(s, w)
	case "ew":
		return strings.HasSuffix(s, w)
	}
	return ordered(strings.Compare(s, w), op)
}

func ordered(c int, op string) bool {
	switch op {
	case "eq":
		return c == 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// Equality reports whether the filter is a single `attr eq "value"`
// comparison, returning the attribute path in canonical form
// ("emails.value" for both emails and emails.value) and the value, so a
// store can answer it from an index.
func (f *Filter) Equality() (attr, value string, ok bool) {
	e, isAttr := f.Expr.(*filter.AttributeExpression)
	if !isAttr || !strings.EqualFold(string(e.Operator), "eq") {
		return "", "", false
	}
	s, isStr := e.CompareValue.(string)
	if !isStr {
		return "", "", false
	}
	a := f.schema.Attr(e.AttributePath.AttributeName)
	if a == nil {
		return "", "", false
	}
	name := a.Name
	if e.AttributePath.SubAttribute != nil {
		sub := a.Sub(*e.AttributePath.SubAttribute)
		if sub == nil {
			return "", "", false
		}
		name += "." + sub.Name
	} else if a.Type == "complex" {
		name += ".value"
	}
	return name, s, true
}

// String returns the filter in canonical form.
func (f *Filter) String() string { return fmt.Sprint(f.Expr) }
