package web_test

import (
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

type sample struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
	Opt   *bool    `json:"opt"`
}

func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		body  string
		code  string
		field string
	}{
		{`{"name":"x","count":1,"tags":["a"],"opt":true}`, "", ""},
		{`  {"name":"x"}  `, "", ""},
		{``, directory.EINVALID, ""},
		{`null`, directory.EINVALID, ""},
		{`[]`, directory.EINVALID, ""},
		{`{"name":`, directory.EINVALID, ""},
		{`{"name":"x",}`, directory.EINVALID, ""},
		{`{"nmae":"x"}`, directory.EINVALID, "nmae"},
		{`{"count":"1"}`, directory.EINVALID, "count"},
		{`{"name":5}`, directory.EINVALID, "name"},
		{`{"opt":"yes"}`, directory.EINVALID, "opt"},
		{`{"tags":"a"}`, directory.EINVALID, "tags"},
		{`{"name":"x"}{"name":"y"}`, directory.EINVALID, ""},
		{`{"name":"x"} trailing`, directory.EINVALID, ""},
		{`{"NAME":"x"}`, directory.EINVALID, "NAME"},
		{`{"name":"x","name":"y"}`, directory.EINVALID, "name"},
		{`{"name":"` + strings.Repeat("a", 2000) + `"}`, directory.ETOOLARGE, ""},
	}
	for _, c := range cases {
		var s sample
		err := web.DecodeJSON(strings.NewReader(c.body), 1000, &s)
		if directory.ErrorCode(err) != c.code {
			t.Errorf("DecodeJSON(%.40q) = %v, want code %q", c.body, err, c.code)
			continue
		}
		if c.field != "" {
			fe := directory.ErrorFields(err)
			if len(fe) != 1 || fe[0].Field != c.field {
				t.Errorf("DecodeJSON(%.40q) fields = %+v, want %s", c.body, fe, c.field)
			}
		}
	}
}
