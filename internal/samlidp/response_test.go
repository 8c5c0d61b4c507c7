package samlidp_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"

	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

type keyCase struct {
	name string
	key  string
	alg  samlidp.SignatureAlgorithm
	// asn1 writes ECDSA signatures as DER, which goxmldsig-based verifiers
	// (crewjam, gosaml2) need; see AppConfig.ECDSASignatureASN1.
	asn1 bool
}

var keyCases = []keyCase{
	{"rsa2048", "idp-rsa2048", "", false},
	{"rsa3072", "idp-rsa3072", "", false},
	{"ecdsa-p256-der", "idp-ecp256", "", true},
}

var signModes = []samlidp.SignMode{samlidp.SignAssertion, samlidp.SignResponse, samlidp.SignBoth}

func TestMakeResponseVerifiesWithCrewjamAndGosaml2(t *testing.T) {
	for _, kc := range keyCases {
		for _, mode := range signModes {
			t.Run(kc.name+"/"+string(mode), func(t *testing.T) {
				cfg := baseConfig(t)
				cfg.Key = loadKey(t, kc.key)
				cfg.Signature = kc.alg
				cfg.ECDSASignatureASN1 = kc.asn1
				cfg.Sign = mode
				req := &samlidp.AuthnRequest{ID: "_req-123", SPEntityID: testSPEntityID, ACSURL: testACS2, RelayState: "rs-1"}
				resp := mustResponse(t, cfg, req, testSubject())
				checkSignatureShape(t, resp, mode)

				// crewjam, SP-initiated: InResponseTo must match.
				sp := crewjamSP(t, cfg, testACS2)
				acsURL, _ := url.Parse(testACS2)
				a, err := sp.ParseXMLResponse(resp.XML(), []string{"_req-123"}, *acsURL)
				if err != nil {
					t.Fatalf("crewjam SP refused SP-initiated response: %v", errDetail(err))
				}
				checkCrewjamAssertion(t, a, "ada@example.com")
				if _, err := sp.ParseXMLResponse(resp.XML(), []string{"_other"}, *acsURL); err == nil {
					t.Error("crewjam accepted a response to another request")
				}

				// crewjam, IdP-initiated.
				idpResp := mustResponse(t, cfg, nil, testSubject())
				if idpResp.ACSURL != testACS {
					t.Errorf("IdP-initiated ACS %q, want default %q", idpResp.ACSURL, testACS)
				}
				sp = crewjamSP(t, cfg, testACS)
				sp.AllowIDPInitiated = true
				acsURL, _ = url.Parse(testACS)
				a, err = sp.ParseXMLResponse(idpResp.XML(), nil, *acsURL)
				if err != nil {
					t.Fatalf("crewjam SP refused IdP-initiated response: %v", errDetail(err))
				}
				checkCrewjamAssertion(t, a, "ada@example.com")

				// gosaml2.
				info, err := gosaml2SP(t, cfg, testACS2).RetrieveAssertionInfo(resp.Encoded())
				if err != nil {
					t.Fatalf("gosaml2 refused response: %v", err)
				}
				if info.WarningInfo.InvalidTime || info.WarningInfo.NotInAudience {
					t.Errorf("gosaml2 warnings: %+v", info.WarningInfo)
				}
				if info.NameID != "ada@example.com" || info.NameIDFormat != string(samlidp.NameIDEmailAddress) {
					t.Errorf("gosaml2 NameID %q (%s)", info.NameID, info.NameIDFormat)
				}
				if got := info.Values.GetAll("groups"); len(got) != 2 || got[0] != "eng" || got[1] != "admins" {
					t.Errorf("gosaml2 groups = %v", got)
				}
				if got := info.Values.Get("LastName"); got != "Lovelace & <Byron>" {
					t.Errorf("gosaml2 LastName = %q", got)
				}
				if info.SessionIndex != "sess-1" {
					t.Errorf("gosaml2 SessionIndex %q", info.SessionIndex)
				}
			})
		}
	}
}

func errDetail(err error) string {
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) {
		return ire.PrivateErr.Error()
	}
	return err.Error()
}

func checkCrewjamAssertion(t *testing.T, a *saml.Assertion, nameID string) {
	t.Helper()
	if a.Subject == nil || a.Subject.NameID == nil || a.Subject.NameID.Value != nameID {
		t.Errorf("crewjam NameID: %+v", a.Subject)
	}
	vals := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			for _, v := range at.Values {
				vals[at.Name] = append(vals[at.Name], v.Value)
				if v.Type != "" {
					t.Errorf("attribute %s has xsi:type %q, want untyped", at.Name, v.Type)
				}
			}
		}
	}
	if strings.Join(vals["groups"], ",") != "eng,admins" || vals["FirstName"][0] != "Ada" {
		t.Errorf("crewjam attributes: %v", vals)
	}
}

// checkSignatureShape asserts which elements are signed and that each
// signature's Reference URI names the element that holds it.
func checkSignatureShape(t *testing.T, resp *samlidp.Response, mode samlidp.SignMode) {
	t.Helper()
	refs := signatureReferences(t, resp.XML())
	want := map[string]string{}
	if mode == samlidp.SignAssertion || mode == samlidp.SignBoth {
		want["Assertion"] = resp.AssertionID + "=#" + resp.AssertionID
	}
	if mode == samlidp.SignResponse || mode == samlidp.SignBoth {
		want["Response"] = resp.ID + "=#" + resp.ID
	}
	if len(refs) != len(want) {
		t.Fatalf("signatures %v, want %v", refs, want)
	}
	for k, v := range want {
		if refs[k] != v {
			t.Errorf("%s signature: ID=URI %q, want %q", k, refs[k], v)
		}
	}
}

func TestResponseContent(t *testing.T) {
	cfg := baseConfig(t)
	cfg.ClockSkew = 2 * time.Minute
	req := &samlidp.AuthnRequest{ID: "_req-9", SPEntityID: testSPEntityID, ACSURL: testACS}
	resp := mustResponse(t, cfg, req, testSubject())
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(resp.XML()); err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	check := func(path, attr, want string) {
		t.Helper()
		el := root.FindElement(path)
		if el == nil {
			t.Errorf("%s missing", path)
			return
		}
		got := el.Text()
		if attr != "" {
			got = el.SelectAttrValue(attr, "")
		}
		if got != want {
			t.Errorf("%s@%s = %q, want %q", path, attr, got, want)
		}
	}
	check("/Response", "Destination", testACS)
	check("/Response", "InResponseTo", "_req-9")
	check("/Response/Issuer", "", testIdPEntityID)
	check("/Response/Status/StatusCode", "Value", "urn:oasis:names:tc:SAML:2.0:status:Success")
	check("/Response/Assertion/Issuer", "", testIdPEntityID)
	check("/Response/Assertion/Subject/NameID", "Format", string(samlidp.NameIDEmailAddress))
	check("/Response/Assertion/Subject/SubjectConfirmation", "Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	check("/Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData", "Recipient", testACS)
	check("/Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData", "InResponseTo", "_req-9")
	check("/Response/Assertion/Subject/SubjectConfirmation/SubjectConfirmationData", "NotOnOrAfter", "2027-11-29T03:05:00Z")
	check("/Response/Assertion/Conditions", "NotBefore", "2027-11-29T02:58:00Z")
	check("/Response/Assertion/Conditions", "NotOnOrAfter", "2027-11-29T03:05:00Z")
	check("/Response/Assertion/Conditions/AudienceRestriction/Audience", "", testSPEntityID)
	check("/Response/Assertion/AuthnStatement", "SessionIndex", "sess-1")
	check("/Response/Assertion/AuthnStatement", "AuthnInstant", "2027-11-29T02:59:00Z")
	check("/Response/Assertion/AuthnStatement/AuthnContext/AuthnContextClassRef", "", samlidp.AuthnContextPasswordProtectedTransport)
	if bytes.Contains(resp.XML(), []byte("xsi:type")) || bytes.Contains(resp.XML(), []byte("xmlns:xs=")) {
		t.Error("response carries xsi:type or an xs prefix that exclusive C14N would not keep")
	}
	if resp.ID == resp.AssertionID || !strings.HasPrefix(resp.ID, "_") || len(resp.ID) != 41 {
		t.Errorf("IDs %q / %q", resp.ID, resp.AssertionID)
	}
	again := mustResponse(t, cfg, req, testSubject())
	if again.ID == resp.ID || again.AssertionID == resp.AssertionID {
		t.Error("IDs repeat across responses")
	}
	// IdP-initiated: no InResponseTo anywhere, default RelayState.
	cfg.DefaultRelayState = "https://example.quip.com/home"
	idp := mustResponse(t, cfg, nil, testSubject())
	if bytes.Contains(idp.XML(), []byte("InResponseTo")) {
		t.Error("IdP-initiated response has InResponseTo")
	}
	if idp.RelayState != cfg.DefaultRelayState {
		t.Errorf("RelayState %q", idp.RelayState)
	}
}

func TestNameIDFormats(t *testing.T) {
	secret := []byte("server-secret")
	persistent := samlidp.PersistentNameID(secret, testSPEntityID, "user-42")
	if persistent != samlidp.PersistentNameID(secret, testSPEntityID, "user-42") ||
		persistent == samlidp.PersistentNameID(secret, "https://other.example", "user-42") {
		t.Fatal("PersistentNameID is not stable per app and user")
	}
	cases := []struct {
		format samlidp.NameIDFormat
		value  string
	}{
		{"", "ada@example.com"},
		{samlidp.NameIDEmailAddress, "ada@example.com"},
		{samlidp.NameIDUnspecified, "ada"},
		{samlidp.NameIDPersistent, persistent},
		{samlidp.NameIDTransient, ""},
	}
	for _, c := range cases {
		t.Run(string(c.format), func(t *testing.T) {
			cfg := baseConfig(t)
			cfg.NameIDFormat = c.format
			subject := testSubject()
			subject.NameID = c.value
			want := c.format
			if want == "" {
				want = samlidp.NameIDEmailAddress
			}
			r1 := mustResponse(t, cfg, nil, subject)
			r2 := mustResponse(t, cfg, nil, subject)
			sp := gosaml2SP(t, cfg, testACS)
			var got []string
			for _, r := range []*samlidp.Response{r1, r2} {
				info, err := sp.RetrieveAssertionInfo(r.Encoded())
				if err != nil {
					t.Fatal(err)
				}
				if info.NameIDFormat != string(want) {
					t.Errorf("format %q, want %q", info.NameIDFormat, want)
				}
				if info.NameID != r.NameID {
					t.Errorf("NameID %q, Response says %q", info.NameID, r.NameID)
				}
				got = append(got, info.NameID)
			}
			if c.format == samlidp.NameIDTransient {
				if got[0] == got[1] || got[0] == "" {
					t.Errorf("transient NameIDs %q, %q: want fresh random values", got[0], got[1])
				}
			} else if got[0] != c.value || got[1] != c.value {
				t.Errorf("NameIDs %v, want %q", got, c.value)
			}
		})
	}
}

func TestMakeResponseRefusesBadInput(t *testing.T) {
	cfg := baseConfig(t)
	idp := newIdP()
	ctx := context.Background()
	if _, err := idp.MakeResponse(ctx, cfg, &samlidp.AuthnRequest{ID: "_r", SPEntityID: testSPEntityID, ACSURL: "https://evil.example/acs"}, testSubject(), testNow); !errors.Is(err, samlidp.ErrACSNotAllowed) {
		t.Errorf("foreign ACS: %v", err)
	}
	if _, err := idp.MakeResponse(ctx, cfg, &samlidp.AuthnRequest{ID: "_r", SPEntityID: "https://other.example", ACSURL: testACS}, testSubject(), testNow); !errors.Is(err, samlidp.ErrUnknownServiceProvider) {
		t.Errorf("request of another app: %v", err)
	}
	s := testSubject()
	s.NameID = ""
	if _, err := idp.MakeResponse(ctx, cfg, nil, s, testNow); !errors.Is(err, samlidp.ErrInvalidSubject) {
		t.Errorf("empty NameID: %v", err)
	}
	s = testSubject()
	s.Attributes = append(s.Attributes, samlidp.Attribute{Name: "bad", Values: []string{"a\x00b"}})
	if _, err := idp.MakeResponse(ctx, cfg, nil, s, testNow); !errors.Is(err, samlidp.ErrInvalidSubject) {
		t.Errorf("NUL in attribute value: %v", err)
	}
	bad := cfg
	bad.ACSURLs = []string{"javascript:alert(1)"}
	if _, err := idp.MakeResponse(ctx, bad, nil, testSubject(), testNow); !errors.Is(err, samlidp.ErrInvalidConfig) {
		t.Errorf("invalid config: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := idp.MakeResponse(cctx, cfg, nil, testSubject(), testNow); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

func TestPostForm(t *testing.T) {
	cfg := baseConfig(t)
	req := &samlidp.AuthnRequest{ID: "_r", SPEntityID: testSPEntityID, ACSURL: testACS, RelayState: `"><script>alert(1)</script>`}
	resp := mustResponse(t, cfg, req, testSubject())
	page := string(resp.PostFormNonce("n0nce"))
	for _, want := range []string{
		`action="` + testACS + `"`,
		`name="RelayState" value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
		`<script nonce="n0nce">`,
		`<noscript>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	m := regexp.MustCompile(`name="SAMLResponse" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil || html.UnescapeString(m[1]) != resp.Encoded() {
		t.Error("form does not carry the encoded response")
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("RelayState not escaped")
	}
	idp := mustResponse(t, cfg, nil, testSubject())
	if strings.Contains(string(idp.PostForm()), "RelayState") {
		t.Error("empty RelayState posted")
	}
}
