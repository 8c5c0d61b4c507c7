package samlsp_test

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/beevik/etree"

	"github.com/jumpgate-idp/jumpgate/internal/quipsim/samlsp"
)

// TestSignatureWrapping moves the signed assertion out of the way and puts
// an attacker's assertion where it is read from.
func TestSignatureWrapping(t *testing.T) {
	const evil = "mallory@evil.example"
	evilAssertion := func(a *etree.Element) *etree.Element {
		e := a.Copy()
		setText(t, e, "./Subject/NameID", evil)
		return e
	}
	cases := map[string]func(t *testing.T, h *harness, resp string) string{
		// The attacker's assertion keeps the original's ID and Signature;
		// the signed original hides inside the Signature's ds:Object.
		"original inside the evil assertion's signature": func(t *testing.T, h *harness, resp string) string {
			resp = h.edit(resp, signAssertion, nil)
			return rewrite(t, resp, func(r *etree.Element) {
				orig := r.FindElement("./Assertion")
				e := evilAssertion(orig)
				obj := e.FindElement("./Signature").CreateElement("ds:Object")
				obj.AddChild(orig.Copy())
				r.RemoveChild(orig)
				r.AddChild(e)
			})
		},
		// The original stays signed, moved into Extensions; the attacker's
		// unsigned assertion takes its place.
		"original in Extensions": func(t *testing.T, h *harness, resp string) string {
			resp = h.edit(resp, signAssertion, nil)
			return rewrite(t, resp, func(r *etree.Element) {
				orig := r.FindElement("./Assertion")
				e := evilAssertion(orig)
				e.RemoveChild(e.FindElement("./Signature"))
				e.CreateAttr("ID", "id-evil")
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(orig.Copy())
				r.InsertChildAt(orig.Index(), ext)
				r.RemoveChild(orig)
				r.AddChild(e)
			})
		},
		// The attacker's assertion has its own ID and carries the
		// original's Signature (referencing the original's ID), which is
		// still in the Response, inside Extensions.
		"copied signature with another ID": func(t *testing.T, h *harness, resp string) string {
			resp = h.edit(resp, signAssertion, nil)
			return rewrite(t, resp, func(r *etree.Element) {
				orig := r.FindElement("./Assertion")
				e := evilAssertion(orig)
				e.CreateAttr("ID", "id-evil")
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(orig.Copy())
				r.InsertChildAt(orig.Index(), ext)
				r.RemoveChild(orig)
				r.AddChild(e)
			})
		},
		// An unsigned attacker's assertion beside the signed one.
		"evil assertion first": func(t *testing.T, h *harness, resp string) string {
			resp = h.edit(resp, signAssertion, nil)
			return rewrite(t, resp, func(r *etree.Element) {
				orig := r.FindElement("./Assertion")
				e := evilAssertion(orig)
				e.RemoveChild(e.FindElement("./Signature"))
				e.CreateAttr("ID", "id-evil")
				r.InsertChildAt(orig.Index(), e)
			})
		},
		// The whole signed Response wrapped in an unsigned one carrying
		// the attacker's assertion.
		"signed response wrapped": func(t *testing.T, h *harness, resp string) string {
			resp = h.edit(resp, signResponse, nil)
			return rewrite(t, resp, func(r *etree.Element) {
				orig := r.Copy()
				r.RemoveChild(r.FindElement("./Signature"))
				r.CreateAttr("ID", "id-wrapper")
				a := r.FindElement("./Assertion")
				setText(t, a, "./Subject/NameID", evil)
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(orig)
				r.InsertChildAt(a.Index(), ext)
			})
		},
		// The Response signature is moved onto a copy: the root is the
		// attacker's, the signed original is nested in it.
		"response signature reused on wrapper": func(t *testing.T, h *harness, resp string) string {
			resp = h.edit(resp, signResponse, nil)
			return rewrite(t, resp, func(r *etree.Element) {
				orig := r.Copy()
				orig.RemoveChild(orig.FindElement("./Signature"))
				setText(t, r.FindElement("./Assertion"), "./Subject/NameID", evil)
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(orig)
				r.InsertChildAt(r.FindElement("./Assertion").Index(), ext)
			})
		},
	}
	for name, attack := range cases {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			resp, _ := h.spInitiated("")
			login, err := h.acs(attack(t, h, resp))
			if err == nil {
				t.Fatalf("accepted a wrapped response: NameID %q", login.NameID)
			}
			if !errors.Is(err, samlsp.ErrBadSignature) && !errors.Is(err, samlsp.ErrMalformed) {
				t.Fatalf("rejected for %s, want a signature or shape error", detail(err))
			}
			t.Logf("rejected: %s", detail(err))
		})
	}
}

// rewrite changes a SAMLResponse without signing it again.
func rewrite(t *testing.T, samlResponse string, f func(resp *etree.Element)) string {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(decode(t, samlResponse)); err != nil {
		t.Fatal(err)
	}
	f(doc.Root())
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(out)
}
