package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// MaxBodyBytes is the largest request body DecodeJSON accepts (1 MiB).
const MaxBodyBytes = 1 << 20

// DecodeJSON strictly decodes one JSON object from r into dst: at most limit
// bytes (ETOOLARGE beyond), an object (not null, an array or a scalar), no
// unknown fields, every value of its field's type, nothing after the
// object. Every refusal is an EINVALID (or ETOOLARGE) *directory.Error naming
// the field when there is one.
func DecodeJSON(r io.Reader, limit int64, dst any) error {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return &directory.Error{Code: directory.EINVALID, Message: "cannot read the request body", Err: err}
	}
	if int64(len(data)) > limit {
		return directory.Errorf(directory.ETOOLARGE, "request body is larger than %d bytes", limit)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return directory.Errorf(directory.EINVALID, "request body is empty: want a JSON object")
	}
	if trimmed[0] != '{' {
		return directory.Errorf(directory.EINVALID, "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return directory.Errorf(directory.EINVALID, "request body has data after the JSON object")
	}
	return checkKeys(trimmed, dst)
}

// checkKeys refuses what encoding/json lets through: top-level keys that
// match a field only case-insensitively, and keys given twice.
func checkKeys(data []byte, dst any) error {
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	known := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		known[name] = true
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '{'
		return decodeError(err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return decodeError(err)
		}
		key, _ := tok.(string)
		if !known[key] {
			return directory.Invalid(directory.FieldError{Field: key, Reason: "is not a known field (names are case-sensitive)"})
		}
		if seen[key] {
			return directory.Invalid(directory.FieldError{Field: key, Reason: "is given more than once"})
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return decodeError(err)
		}
	}
	return nil
}

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &directory.Error{Code: directory.EINVALID, Message: fmt.Sprintf("malformed JSON at byte %d", syn.Offset), Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &directory.Error{Code: directory.EINVALID, Message: "malformed JSON: unexpected end", Err: err}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		t := typ.Type
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		e := directory.Invalid(directory.FieldError{Field: field, Reason: "must be a JSON " + jsonKind(t.Kind().String())})
		e.Err = err
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := directory.Invalid(directory.FieldError{Field: name, Reason: "is not a known field"})
		e.Err = err
		return e
	}
	return &directory.Error{Code: directory.EINVALID, Message: "malformed JSON", Err: err}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	}
	return goKind
}
