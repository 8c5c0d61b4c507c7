package samlidp

import (
	"bytes"
	"html/template"
)

var postFormTemplate = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Signing in…</title></head>
<body>
<form id="saml-post" method="post" action="{{.URL}}">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
{{- if .RelayState}}
<input type="hidden" name="RelayState" value="{{.RelayState}}">
{{- end}}
<noscript><p>JavaScript is off. Press Continue to finish signing in.</p><button type="submit">Continue</button></noscript>
</form>
<script{{if .Nonce}} nonce="{{.Nonce}}"{{end}}>document.getElementById("saml-post").submit();</script>
</body></html>
`))

// PostForm returns an HTML page that posts SAMLResponse (and RelayState) to
// the ACS URL: an inline script submits it, a <noscript> button covers
// browsers without JavaScript. Every value is HTML-escaped.
func (r *Response) PostForm() []byte { return r.PostFormNonce("") }

// PostFormNonce is PostForm with a CSP nonce on the script, for pages served
// with Content-Security-Policy: script-src 'nonce-…'.
func (r *Response) PostFormNonce(nonce string) []byte {
	var buf bytes.Buffer
	// The template cannot fail on these string fields.
	_ = postFormTemplate.Execute(&buf, struct {
		URL          string
		SAMLResponse string
		RelayState   string
		Nonce        string
	}{r.ACSURL, r.Encoded(), r.RelayState, nonce})
	return buf.Bytes()
}
