package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// PatchOptions tunes ApplyPatch.
type PatchOptions struct {
	// Ignore lists attributes whose changes are accepted and dropped
	// (for example a service-assigned userName).
	Ignore []string
}

// ApplyPatch applies ops (RFC 7644 section 3.5.2) to a deep copy of res,
// the generic JSON form of a resource of schema s, and returns the copy.
// It is all or nothing: on error res is untouched and nothing is returned.
// Paths naming unknown attributes are invalidPath, readOnly attributes
// mutability, value filters matching nothing noTarget.
func ApplyPatch(res map[string]any, ops []PatchOp, s *Schema, opt PatchOptions) (map[string]any, error) {
	out, err := deepCopy(res)
	if err != nil {
		return nil, err
	}
	for i, op := range ops {
		var v any
		if len(op.Value) > 0 {
			dec := json.NewDecoder(bytes.NewReader(op.Value))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				return nil, BadRequest(TypeInvalidSyntax, "Operations[%d].value is not valid JSON", i)
			}
		}
		p := patcher{s: s, opt: opt, op: strings.ToLower(op.Op)}
		if err := p.apply(out, op.Path, v); err != nil {
			if se, ok := err.(*Error); ok {
				se.Detail = fmt.Sprintf("Operations[%d]: %s", i, se.Detail)
			}
			return nil, err
		}
	}
	return out, nil
}

type patcher struct {
	s   *Schema
	opt PatchOptions
	op  string
}

func (p *patcher) ignored(name string) bool {
	for _, n := range p.opt.Ignore {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

func (p *patcher) apply(res map[string]any, rawPath string, v any) error {
	if rawPath == "" {
		if p.op == "remove" {
			return BadRequest(TypeNoTarget, "remove needs a path")
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return BadRequest(TypeInvalidValue, "a %s without path needs an object value", p.op)
		}
		return p.applyObject(res, obj)
	}
	path, err := parsePath(rawPath)
	if err != nil {
		return err
	}
	ap := path.AttributePath
	if ap.URIPrefix != nil && !p.s.stripURI(ap.URI()) {
		if p.ignored(ap.String()) {
			return nil
		}
		return BadRequest(TypeInvalidPath, "path %q names an unsupported schema", rawPath)
	}
	a := p.s.Attr(ap.AttributeName)
	if a == nil || p.ignored(a.Name) {
		if p.ignored(ap.AttributeName) {
			return nil
		}
		return BadRequest(TypeInvalidPath, "path %q names an unknown attribute", rawPath)
	}
	if a.Mutability == "readOnly" {
		return BadRequest(TypeMutability, "attribute %q is read-only", a.Name)
	}
	var sub *Attribute
	if ap.SubAttribute != nil {
		if sub = a.Sub(*ap.SubAttribute); sub == nil {
			return BadRequest(TypeInvalidPath, "path %q names an unknown sub-attribute", rawPath)
		}
	}
	if path.ValueExpression != nil {
		if sub != nil || !a.MultiValued || a.Type != "complex" {
			return BadRequest(TypeInvalidPath, "path %q: a value filter needs a multi-valued complex attribute", rawPath)
		}
		if err := checkExpr(path.ValueExpression, nil, a.SubAttributes, false); err != nil {
			return BadRequest(TypeInvalidPath, "path %q: %s", rawPath, AsError(err).Detail)
		}
		if path.SubAttribute != nil {
			if sub = a.Sub(*path.SubAttribute); sub == nil {
				return BadRequest(TypeInvalidPath, "path %q names an unknown sub-attribute", rawPath)
			}
		}
		return p.applyFiltered(res, a, path.ValueExpression, sub, v)
	}
	if sub != nil {
		return p.applySub(res, a, sub, v)
	}
	if obj, ok := v.(map[string]any); ok && p.op != "remove" && a.Type == "complex" && !a.MultiValued {
		// add/replace on a complex attribute sets the sub-attributes given
		// and leaves the others (RFC 7644 section 3.5.2.1, 3.5.2.3)
		return p.applyObject(res, map[string]any{a.Name: obj})
	}
	return p.applyAttr(res, a, v)
}

func parsePath(raw string) (path filter.Path, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = BadRequest(TypeInvalidPath, "path %q cannot be parsed", raw)
		}
	}()
	if len(raw) > MaxFilterLength {
		return path, BadRequest(TypeInvalidPath, "path is too long")
	}
	path, err = filter.ParsePathNumber([]byte(raw))
	if err != nil {
		if q := quoteBareValues(raw); q != raw {
			if path, err = filter.ParsePathNumber([]byte(q)); err == nil {
				return path, nil
			}
		}
		return path, BadRequest(TypeInvalidPath, "path %q cannot be parsed", raw)
	}
	return path, nil
}

// applyObject handles add/replace without a path: each known, writable
// attribute of obj is applied; unknown and read-only ones are ignored.
func (p *patcher) applyObject(res map[string]any, obj map[string]any) error {
	for k, v := range obj {
		if strings.EqualFold(k, p.s.ID) {
			if inner, ok := v.(map[string]any); ok {
				if err := p.applyObject(res, inner); err != nil {
					return err
				}
			}
			continue
		}
		a := p.s.Attr(k)
		if a == nil || a.Mutability == "readOnly" || p.ignored(a.Name) {
			continue
		}
		if a.Type == "complex" && !a.MultiValued {
			inner, ok := v.(map[string]any)
			if !ok {
				if v == nil {
					deleteKey(res, a.Name)
					continue
				}
				return BadRequest(TypeInvalidValue, "attribute %q needs an object", a.Name)
			}
			for sk, sv := range inner {
				sub := a.Sub(sk)
				if sub == nil {
					continue
				}
				if err := p.applySub(res, a, sub, sv); err != nil {
					return err
				}
			}
			continue
		}
		if err := p.applyAttr(res, a, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *patcher) applyAttr(res map[string]any, a *Attribute, v any) error {
	if p.op == "remove" {
		deleteKey(res, a.Name)
		return nil
	}
	if !a.MultiValued {
		setKey(res, a.Name, coerce(a, v))
		return nil
	}
	add := elements(v)
	if p.op == "replace" {
		setKey(res, a.Name, add)
		return nil
	}
	cur := elements(Get(res, a.Name))
	for _, n := range add {
		if !containsValue(cur, n) {
			cur = append(cur, n)
		}
	}
	setKey(res, a.Name, cur)
	return nil
}

func containsValue(list []any, v any) bool {
	nm, ok := v.(map[string]any)
	for _, el := range list {
		if em, ok2 := el.(map[string]any); ok && ok2 {
			a, b := Get(em, "value"), Get(nm, "value")
			if a != nil && fmt.Sprint(a) == fmt.Sprint(b) {
				return true
			}
		} else if !ok && fmt.Sprint(el) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

func (p *patcher) applySub(res map[string]any, a, sub *Attribute, v any) error {
	if sub.Mutability == "readOnly" {
		return BadRequest(TypeMutability, "attribute %q is read-only", a.Name+"."+sub.Name)
	}
	if a.MultiValued {
		for _, el := range elements(Get(res, a.Name)) {
			if m, ok := el.(map[string]any); ok {
				p.setSub(m, sub, v)
			}
		}
		return nil
	}
	cm, _ := Get(res, a.Name).(map[string]any)
	if cm == nil {
		if p.op == "remove" {
			return nil
		}
		cm = map[string]any{}
		setKey(res, a.Name, cm)
	}
	p.setSub(cm, sub, v)
	return nil
}

func (p *patcher) setSub(m map[string]any, sub *Attribute, v any) {
	if p.op == "remove" {
		deleteKey(m, sub.Name)
		return
	}
	setKey(m, sub.Name, coerce(sub, v))
}

func (p *patcher) applyFiltered(res map[string]any, a *Attribute, expr filter.Expression, sub *Attribute, v any) error {
	cur := elements(Get(res, a.Name))
	var kept []any
	matched := 0
	for _, el := range cur {
		m, ok := el.(map[string]any)
		if !ok || !match(expr, m, a.SubAttributes, false) {
			kept = append(kept, el)
			continue
		}
		matched++
		switch {
		case p.op == "remove" && sub == nil:
			continue
		case sub != nil:
			if sub.Mutability == "readOnly" {
				return BadRequest(TypeMutability, "attribute %q is read-only", a.Name+"."+sub.Name)
			}
			p.setSub(m, sub, v)
		default:
			obj, ok := v.(map[string]any)
			if !ok {
				return BadRequest(TypeInvalidValue, "a %s on %q needs an object value", p.op, a.Name)
			}
			for k, sv := range obj {
				if s := a.Sub(k); s != nil {
					p.setSub(m, s, sv)
				}
			}
		}
		kept = append(kept, m)
	}
	if matched == 0 {
		return BadRequest(TypeNoTarget, "no value of %q matches the filter", a.Name)
	}
	if len(kept) == 0 {
		deleteKey(res, a.Name)
	} else {
		setKey(res, a.Name, kept)
	}
	return nil
}

// coerce turns "true"/"false" strings into booleans for boolean attributes,
// as some clients send them.
func coerce(a *Attribute, v any) any {
	if s, ok := v.(string); ok && a.Type == "boolean" {
		switch strings.ToLower(s) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return v
}

func setKey(m map[string]any, name string, v any) {
	deleteKey(m, name)
	m[name] = v
}

func deleteKey(m map[string]any, name string) {
	for k := range m {
		if strings.EqualFold(k, name) {
			delete(m, k)
		}
	}
}

func deepCopy(m map[string]any) (map[string]any, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("scim: copy resource: %w", err)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("scim: copy resource: %w", err)
	}
	return out, nil
}
