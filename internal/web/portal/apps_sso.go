package portal

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
)

// attrRow is one attribute statement of the SSO form.
type attrRow struct {
	Name      string
	Attribute string // a directory attribute, "" for a constant
	Constant  string
	Enabled   bool
	// JIT marks a JIT-required statement: its name cannot change.
	JIT bool
	// New marks a blank row for adding a statement.
	New bool
}

// ssoForm holds the values of the SSO settings form.
type ssoForm struct {
	IdPEntityID        string
	SPEntityID         string
	ACSURLs            []string
	SPCertificate      string
	NameIDAttribute    string
	NameIDFormat       string
	SignatureAlgorithm string
	Sign               string
	DefaultRelayState  string
	GroupsAttribute    string
	Attributes         []attrRow
}

// appSSOData is the SSO tab.
type appSSOData struct {
	Panel    appPanel
	Template catalog.Template
	SAML     bool
	Stored   *directory.AppSSO // nil for apps without SAML
	Form     ssoForm
	// Rows are the inputs of the ACS URLs: the values and blanks to add.
	ACSRows     []string
	Keys        []lifecycle.KeyInfo
	HasNext     bool
	MetadataURL string
	ConsoleURL  string
	// Kept values of the other forms of the tab after a refusal.
	MetadataXML string
	Certificate string

	UserAttributes []string
	NameIDFormats  []option
	Signatures     []option
	SignModes      []option
	KeyAlgorithms  []option
}

var (
	nameIDFormatOptions = []option{
		{directory.NameIDEmailAddress, "emailAddress"}, {directory.NameIDUnspecified, "unspecified"},
		{directory.NameIDPersistent, "persistent"}, {directory.NameIDTransient, "transient"},
	}
	signatureOptions = []option{
		{directory.SigRSASHA256, "RSA-SHA256"}, {directory.SigRSASHA1, "RSA-SHA1"}, {directory.SigECDSASHA256, "ECDSA-SHA256"},
	}
	signModeOptions = []option{
		{directory.SignAssertion, "Sign Assertion"}, {directory.SignResponse, "Sign Response"}, {directory.SignBoth, "Sign Assertion and Response"},
	}
)

// ssoFormOf turns stored settings into form values.
func ssoFormOf(s *directory.AppSSO) ssoForm {
	f := ssoForm{IdPEntityID: s.IdPEntityID, SPEntityID: s.SPEntityID, ACSURLs: append([]string(nil), s.ACSURLs...),
		SPCertificate: s.SPCertificate, NameIDAttribute: s.NameIDAttribute, NameIDFormat: s.NameIDFormat,
		SignatureAlgorithm: s.SignatureAlgorithm, Sign: s.Sign, DefaultRelayState: s.DefaultRelayState,
		GroupsAttribute: s.GroupsAttribute}
	for _, a := range s.Attributes {
		f.Attributes = append(f.Attributes, attrRow{Name: a.Name, Attribute: a.Source.Attribute, Constant: a.Source.Constant,
			Enabled: a.Enabled, JIT: a.JITRequired})
	}
	return f
}

// newAttrRows is how many blank attribute rows the form offers for adding.
const newAttrRows = 2

// ssoView loads the SSO tab of app a with the stored settings as form
// values; the caller may then replace some with submitted ones.
func (h *Handler) ssoView(ctx context.Context, s *adminauth.Session, a *directory.App) (*view, *appSSOData, error) {
	tpl := appTemplate(a)
	base := strings.TrimRight(h.BaseURL, "/")
	d := &appSSOData{Panel: appPanel{App: a, Tab: "sso"}, Template: tpl, SAML: tpl.Capabilities.SSOSAML,
		ConsoleURL: base + "/console", UserAttributes: directory.UserAttributes, NameIDFormats: nameIDFormatOptions,
		Signatures: signatureOptions, SignModes: signModeOptions, KeyAlgorithms: keyAlgorithms}
	if d.SAML {
		d.MetadataURL = base + "/saml2/" + a.Slug + "/metadata"
		err := h.Store.View(ctx, func(tx directory.Tx) error {
			var err error
			d.Stored, err = tx.GetAppSSO(ctx, a.ID)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		d.Form = ssoFormOf(d.Stored)
		if d.Keys, err = h.Service.AppKeys(ctx, a.ID); err != nil {
			return nil, nil, err
		}
		for _, k := range d.Keys {
			if k.Status == directory.KeyNext {
				d.HasNext = true
			}
		}
	}
	d.fillRows()
	return &view{Title: a.Label, Section: "apps", Session: s, Data: d}, d, nil
}

// fillRows adds the blank inputs for new ACS URLs and attributes.
func (d *appSSOData) fillRows() {
	d.ACSRows = append([]string(nil), d.Form.ACSURLs...)
	for len(d.ACSRows) < directory.MaxACSURLs && (len(d.ACSRows) == len(d.Form.ACSURLs) || len(d.ACSRows) < 2) {
		d.ACSRows = append(d.ACSRows, "")
	}
	if len(d.Form.Attributes) < directory.MaxAttributes {
		for range newAttrRows {
			d.Form.Attributes = append(d.Form.Attributes, attrRow{Attribute: "email", Enabled: true, New: true})
		}
	}
}

// AttrCount is the number of attribute rows the form posts.
func (d *appSSOData) AttrCount() int { return len(d.Form.Attributes) }

func (h *Handler) appSSO(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, _, err := h.ssoView(r.Context(), s, a)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "app_sso", v)
	return nil
}

// maxFormRows bounds the rows a posted form may list.
const maxFormRows = directory.MaxAttributes + newAttrRows

// parseSSOForm reads the settings form. Blank new rows are dropped; the
// rows left keep their order, so that field errors ("acsUrls[1]",
// "attributes[2].name") point at the rows shown again.
func parseSSOForm(r *http.Request, cur *directory.AppSSO) (ssoForm, directory.AppSSO, error) {
	p := r.PostForm
	f := ssoForm{IdPEntityID: p.Get("idpEntityId"), SPEntityID: p.Get("spEntityId"), SPCertificate: p.Get("spCertificate"),
		NameIDAttribute: p.Get("nameIdAttribute"), NameIDFormat: p.Get("nameIdFormat"),
		SignatureAlgorithm: p.Get("signatureAlgorithm"), Sign: p.Get("sign"),
		DefaultRelayState: p.Get("defaultRelayState"), GroupsAttribute: p.Get("groupsAttribute")}
	for _, u := range p["acsUrls"] {
		if strings.TrimSpace(u) != "" {
			f.ACSURLs = append(f.ACSURLs, u)
		}
	}
	n, err := strconv.Atoi(p.Get("attrCount"))
	if err != nil || n < 0 || n > maxFormRows {
		return f, directory.AppSSO{}, badParam("attributes", "the attribute rows could not be read: reload the page")
	}
	for i := range n {
		k := fmt.Sprintf("attributes[%d].", i)
		row := attrRow{Name: strings.TrimSpace(p.Get(k + "name")), Attribute: p.Get(k + "attribute"),
			Constant: p.Get(k + "constant"), Enabled: p.Get(k+"enabled") != ""}
		if p.Get(k+"remove") != "" || (row.Name == "" && row.Constant == "" && p.Get(k+"new") != "") {
			continue
		}
		f.Attributes = append(f.Attributes, row)
	}
	out := directory.AppSSO{IdPEntityID: f.IdPEntityID, SPEntityID: f.SPEntityID, ACSURLs: append([]string{}, f.ACSURLs...),
		SPCertificate: f.SPCertificate, NameIDAttribute: f.NameIDAttribute, NameIDFormat: f.NameIDFormat,
		SignatureAlgorithm: f.SignatureAlgorithm, Sign: f.Sign, DefaultRelayState: f.DefaultRelayState,
		GroupsAttribute: f.GroupsAttribute, Attributes: []directory.AttributeStatement{}}
	for i := range f.Attributes {
		row := &f.Attributes[i]
		// JIT-required is the template's: the service decides it by position
		// and name; the form only shows it.
		row.JIT = i < len(cur.Attributes) && cur.Attributes[i].JITRequired && cur.Attributes[i].Name == row.Name
		out.Attributes = append(out.Attributes, directory.AttributeStatement{Name: row.Name,
			Source: directory.AttributeSource{Attribute: row.Attribute, Constant: row.Constant}, Enabled: row.Enabled})
	}
	return f, out, nil
}

// appSSOSave saves the SSO settings and JIT attributes (one PutAppSSO).
func (h *Handler) appSSOSave(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	a, err := h.loadApp(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, d, err := h.ssoView(ctx, s, a)
	if err != nil {
		return err
	}
	if !d.SAML {
		return directory.Errorf(directory.EPRECONDITION, "application %q has no SAML single sign-on", a.Label)
	}
	form, in, err := parseSSOForm(r, d.Stored)
	if err == nil {
		_, err = h.Service.PutAppSSO(ctx, actor(s), a.ID, in)
	}
	if err != nil {
		if code := directory.ErrorCode(err); code != directory.EINVALID && code != directory.ECONFLICT {
			return err
		}
		d.Form = form
		d.fillRows()
		v.setError(err)
		h.render(w, r, formStatus(err), "app_sso", v)
		return nil
	}
	seeOther(w, r, "/admin/apps/"+a.ID+"/sso", "SSO settings saved.")
	return nil
}

// appSSOImport fills the SP side from SP metadata: an uploaded file or
// pasted XML (one ImportSPMetadata).
func (h *Handler) appSSOImport(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	a, err := h.loadApp(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	pasted := r.PostForm.Get("metadataXml")
	data, err := formFile(r, "metadata", samlidp.MaxSPMetadataSize)
	if err == nil && data == nil {
		data = []byte(pasted)
	}
	if err == nil && strings.TrimSpace(string(data)) == "" {
		err = badParam("metadata", "choose the service provider's metadata file or paste its XML")
	}
	if err == nil {
		_, err = h.Service.ImportSPMetadata(ctx, actor(s), a.ID, data)
	}
	if err != nil {
		if code := directory.ErrorCode(err); code != directory.EINVALID && code != directory.ECONFLICT {
			return err
		}
		v, d, verr := h.ssoView(ctx, s, a)
		if verr != nil {
			return verr
		}
		d.MetadataXML = pasted
		v.setError(err)
		if len(directory.ErrorFields(err)) > 0 && v.FieldErrors["metadata"] == "" {
			// A setting taken from the metadata was refused: show it by the
			// metadata field, whose values were not saved.
			v.FieldErrors["metadata"] = directory.ErrorMessage(err)
		}
		h.render(w, r, formStatus(err), "app_sso", v)
		return nil
	}
	seeOther(w, r, "/admin/apps/"+a.ID+"/sso", "Service provider metadata imported.")
	return nil
}

// appMetadata is Export Metadata: the IdP metadata as a download.
func (h *Handler) appMetadata(w http.ResponseWriter, r *http.Request, _ *adminauth.Session) error {
	xml, name, err := h.Service.Metadata(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/samlmetadata+xml")
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	hd.Set("Content-Length", strconv.Itoa(len(xml)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	_, err = w.Write(xml)
	return err
}

type appDeactivateData struct {
	Panel    appPanel
	Bookmark bool
}

// appDeactivateForm asks to confirm Deactivate SSO (or Deactivate Bookmark).
func (h *Handler) appDeactivateForm(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &appDeactivateData{Panel: appPanel{App: a, Tab: "sso"}, Bookmark: appTemplate(a).Capabilities.Bookmark}
	title := "Deactivate SSO"
	if d.Bookmark {
		title = "Deactivate Bookmark"
	}
	h.render(w, r, http.StatusOK, "app_deactivate", &view{Title: title + ": " + a.Label, Section: "apps", Session: s, Data: d})
	return nil
}

// appSetActive deactivates or activates SSO (one SetSSOActive).
func (h *Handler) appSetActive(active bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
		a, err := h.Service.SetSSOActive(r.Context(), actor(s), r.PathValue("id"), active)
		if err != nil {
			return err
		}
		what := "SSO"
		if appTemplate(a).Capabilities.Bookmark {
			what = "Bookmark"
		}
		notice := what + " deactivated for " + a.Label + "."
		if active {
			notice = what + " activated for " + a.Label + "."
		}
		seeOther(w, r, "/admin/apps/"+a.ID+"/sso", notice)
		return nil
	}
}
