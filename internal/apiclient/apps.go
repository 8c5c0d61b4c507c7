package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

// ListCatalog returns the catalog templates whose name contains q.
func (c *Client) ListCatalog(ctx context.Context, q string) ([]catalog.Template, error) {
	var out api.CatalogList
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	return out.Items, c.do(ctx, "GET", "/api/v1/catalog", v, nil, &out)
}

// ListApps returns one page of applications.
func (c *Client) ListApps(ctx context.Context, o ListOptions) (*api.Page[directory.App], error) {
	var p api.Page[directory.App]
	return &p, c.do(ctx, "GET", "/api/v1/apps", o.values(), nil, &p)
}

// GetApp returns one application.
func (c *Client) GetApp(ctx context.Context, id string) (*directory.App, error) {
	var a directory.App
	return &a, c.do(ctx, "GET", "/api/v1/apps/"+esc(id), nil, nil, &a)
}

// CreateApp adds an application from a catalog template.
func (c *Client) CreateApp(ctx context.Context, in api.AppInput) (*directory.App, error) {
	var a directory.App
	return &a, c.do(ctx, "POST", "/api/v1/apps", nil, in, &a)
}

// UpdateApp changes the attributes set in upd.
func (c *Client) UpdateApp(ctx context.Context, id string, upd directory.AppUpdate) (*directory.App, error) {
	var a directory.App
	return &a, c.do(ctx, "PATCH", "/api/v1/apps/"+esc(id), nil, upd, &a)
}

// SetAppSSOActive deactivates or activates an application's SSO.
func (c *Client) SetAppSSOActive(ctx context.Context, id string, active bool) (*directory.App, error) {
	op := "deactivate"
	if active {
		op = "activate"
	}
	var a directory.App
	return &a, c.do(ctx, "POST", "/api/v1/apps/"+esc(id)+"/sso/"+op, nil, nil, &a)
}

// DeleteApps deletes applications; confirm must equal their number.
func (c *Client) DeleteApps(ctx context.Context, ids []string, confirm int) ([]string, error) {
	var out struct {
		Deleted []string `json:"deleted"`
	}
	return out.Deleted, c.do(ctx, "POST", "/api/v1/apps/delete", nil, api.DeleteAppsInput{IDs: ids, Confirm: &confirm}, &out)
}

// GetAppSSO returns an application's SAML settings.
func (c *Client) GetAppSSO(ctx context.Context, id string) (*directory.AppSSO, error) {
	var s directory.AppSSO
	return &s, c.do(ctx, "GET", "/api/v1/apps/"+esc(id)+"/sso", nil, nil, &s)
}

// PutAppSSO replaces an application's SAML settings.
func (c *Client) PutAppSSO(ctx context.Context, id string, in api.SSOInput) (*directory.AppSSO, error) {
	var s directory.AppSSO
	return &s, c.do(ctx, "PUT", "/api/v1/apps/"+esc(id)+"/sso", nil, in, &s)
}

// ImportSPMetadata fills the SAML settings from SP metadata XML.
func (c *Client) ImportSPMetadata(ctx context.Context, id string, xml []byte) (*directory.AppSSO, error) {
	var s directory.AppSSO
	return &s, c.doRaw(ctx, "POST", "/api/v1/apps/"+esc(id)+"/sso/import-metadata", "application/xml", xml, &s, nil)
}

// AppKeys lists an application's signing keys.
func (c *Client) AppKeys(ctx context.Context, id string) ([]lifecycle.KeyInfo, error) {
	var out api.KeyList
	return out.Items, c.do(ctx, "GET", "/api/v1/apps/"+esc(id)+"/keys", nil, nil, &out)
}

// KeyAction runs regenerate, next or activate-next on an application's
// keys; alg is the key algorithm for the first two ("" for the default).
func (c *Client) KeyAction(ctx context.Context, id, action, alg string) (*lifecycle.KeyInfo, error) {
	var in any
	if alg != "" {
		in = api.KeyAlgorithmInput{Algorithm: alg}
	}
	var k lifecycle.KeyInfo
	return &k, c.do(ctx, "POST", "/api/v1/apps/"+esc(id)+"/keys/"+action, nil, in, &k)
}

// UploadKey installs an own certificate and private key (PEM).
func (c *Client) UploadKey(ctx context.Context, id string, certPEM, keyPEM string) (*lifecycle.KeyInfo, error) {
	var k lifecycle.KeyInfo
	return &k, c.do(ctx, "POST", "/api/v1/apps/"+esc(id)+"/keys/upload", nil, api.KeyUploadInput{Certificate: certPEM, PrivateKey: keyPEM}, &k)
}

// AppMetadata downloads an application's IdP metadata and the file name
// the server suggests.
func (c *Client) AppMetadata(ctx context.Context, id string) ([]byte, string, error) {
	var hdr http.Header
	var body bytes.Buffer
	if err := c.doRaw(ctx, "GET", "/api/v1/apps/"+esc(id)+"/metadata", "", nil, &body, &hdr); err != nil {
		return nil, "", err
	}
	name := ""
	if _, params, err := mime.ParseMediaType(hdr.Get("Content-Disposition")); err == nil {
		name = params["filename"]
	}
	return body.Bytes(), name, nil
}

// SetAppImage uploads the user-portal image (PNG or JPEG).
func (c *Client) SetAppImage(ctx context.Context, id string, data []byte) (*directory.App, error) {
	var a directory.App
	return &a, c.doRaw(ctx, "PUT", "/api/v1/apps/"+esc(id)+"/image", http.DetectContentType(data), data, &a, nil)
}

// AppGroups lists the groups bound to an application.
func (c *Client) AppGroups(ctx context.Context, id string) (*api.AppGroups, error) {
	var out api.AppGroups
	return &out, c.do(ctx, "GET", "/api/v1/apps/"+esc(id)+"/groups", nil, nil, &out)
}

// SetAppGroups sets the groups bound to an application.
func (c *Client) SetAppGroups(ctx context.Context, id string, groupIDs []string) (*api.AppGroups, error) {
	if groupIDs == nil {
		groupIDs = []string{}
	}
	var out api.AppGroups
	return &out, c.do(ctx, "PUT", "/api/v1/apps/"+esc(id)+"/groups", nil, api.GroupIDsInput{GroupIDs: groupIDs}, &out)
}

// GroupApps lists the applications a group is bound to.
func (c *Client) GroupApps(ctx context.Context, groupID string) (*api.GroupApps, error) {
	var out api.GroupApps
	return &out, c.do(ctx, "GET", "/api/v1/groups/"+esc(groupID)+"/apps", nil, nil, &out)
}

// doRaw sends a non-JSON body (or none) and decodes a JSON answer into out,
// or copies the raw answer when out is an io.Writer; hdr, when set,
// receives the answer's headers.
func (c *Client) doRaw(ctx context.Context, method, path, contentType string, body []byte, out any, hdr *http.Header) error {
	u := strings.TrimRight(c.BaseURL, "/") + path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("apiclient: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("apiclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("apiclient: %s %s: read: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return decodeError(resp.StatusCode, data)
	}
	if hdr != nil {
		*hdr = resp.Header
	}
	if w, ok := out.(io.Writer); ok {
		_, err := w.Write(data)
		return err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("apiclient: %s %s: decode: %w", method, path, err)
		}
	}
	return nil
}
