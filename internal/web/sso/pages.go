package sso

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// PageCSP is the policy of the HTML pages: the console's stylesheet, no
// scripts, forms only to this server.
const PageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{{.Title}} · Jumpgate</title>
<link rel="stylesheet" href="/console/static/console.css"></head>
<body><main class="narrow">
<h1>{{.Title}}</h1>
<p id="message">{{.Message}}</p>
<p><a href="/console">Go to your applications</a></p>
{{if .RequestID}}<p class="muted">Request ID: <code id="request-id">{{.RequestID}}</code></p>{{end}}
</main></body></html>`))

type page struct {
	Title, Message, RequestID string
}

func requestID(r *http.Request) string { return web.RequestID(r.Context()) }

// writePage answers with a plain HTML page: never a stack trace, always
// the request id.
func writePage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", PageCSP)
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, page{Title: title, Message: message, RequestID: requestID(r)})
}

// postCSP allows only the nonce'd script and a form to the ACS's origin.
func postCSP(nonce, acs string) string {
	target := "'none'"
	if u, err := url.Parse(acs); err == nil && u.Scheme != "" && u.Host != "" {
		target = u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; script-src 'nonce-" + nonce + "'; form-action " + target + "; frame-ancestors 'none'; base-uri 'none'"
}
