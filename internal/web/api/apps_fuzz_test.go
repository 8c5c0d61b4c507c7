package api_test

import (
	"strings"
	"testing"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

func FuzzDecodeAppPatch(f *testing.F) {
	f.Add(`{"label":"Quip","showInPortal":false}`)
	f.Add(`{"idpUrl":"https://sso.example.com/saml2/x"}`)
	f.Add(`{"slug":"x","ssoActive":true,"label":5}`)
	f.Add(`{"bookmarkUrl":"javascript:alert(1)"}`)
	f.Fuzz(func(t *testing.T, body string) {
		upd, err := api.DecodeAppPatch(strings.NewReader(body))
		if err != nil {
			if c := directory.ErrorCode(err); c != directory.EINVALID && c != directory.ETOOLARGE {
				t.Fatalf("DecodeAppPatch error code %q: %v", c, err)
			}
			return
		}
		next, _ := upd.Apply(directory.App{Label: "x", ShowInPortal: true})
		_ = next.Validate()
	})
}

func FuzzValidateImage(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'})
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := directory.ValidateImage(data)
		if err != nil {
			if c := directory.ErrorCode(err); c != directory.EINVALID && c != directory.ETOOLARGE {
				t.Fatalf("ValidateImage error code %q: %v", c, err)
			}
			return
		}
		if img.ContentType != directory.ImagePNG && img.ContentType != directory.ImageJPEG {
			t.Fatalf("content type %q", img.ContentType)
		}
	})
}
