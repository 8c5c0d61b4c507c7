package sso_test

import (
	"net/url"
	"testing"
)

// BenchmarkIdPInitiatedLaunch measures one console tile click end to end
// over loopback HTTP on SQLite: session and CSRF check, access decision,
// attribute resolution, RSA-2048 signing and the auto-post page.
func BenchmarkIdPInitiatedLaunch(b *testing.B) {
	e := newEnv(b)
	e.user(b, "bench", true)
	br := newBrowser(b)
	tiles := consoleLogin(b, e, br, "bench")
	form := url.Values{"csrf_token": {hidden(tiles.body).Get("csrf_token")}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		autoPost(b, br.post(e.jg.URL+"/saml2/quip/launch", form))
	}
}
