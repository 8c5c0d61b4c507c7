package portal

import (
	"net/http"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
)

// The certificate forms of the SSO tab. Each calls one lifecycle method;
// a refusal shows the SSO tab again with the error by its field.

// renameFields renames the service's field names to the inputs of the
// form that was posted (two forms have an algorithm).
func renameFields(err error, names map[string]string) error {
	fe := directory.ErrorFields(err)
	if len(fe) == 0 {
		return err
	}
	out := make([]directory.FieldError, len(fe))
	for i, f := range fe {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out[i] = f
	}
	e := &directory.Error{Code: directory.ErrorCode(err), Message: directory.ErrorMessage(err), Fields: out}
	if e.Message == "" || len(fe) == 1 {
		e.Message = out[0].Field + ": " + out[0].Reason
	}
	return e
}

// keyRefused shows the SSO tab with a refused certificate action; server
// errors go to the message page.
func (h *Handler) keyRefused(w http.ResponseWriter, r *http.Request, s *adminauth.Session, a *directory.App, err error, keep func(*appSSOData)) error {
	switch directory.ErrorCode(err) {
	case directory.EINVALID, directory.EPRECONDITION, directory.ECONFLICT:
	default:
		return err
	}
	v, d, verr := h.ssoView(r.Context(), s, a)
	if verr != nil {
		return verr
	}
	if keep != nil {
		keep(d)
	}
	v.setError(err)
	h.render(w, r, formStatus(err), "app_sso", v)
	return nil
}

func keysDone(w http.ResponseWriter, r *http.Request, a *directory.App, notice string) {
	seeOther(w, r, "/admin/apps/"+a.ID+"/sso#certificates", notice)
}

// appKeyNext prepares the next certificate (published in the metadata
// beside the active one until activated).
func (h *Handler) appKeyNext(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := h.Service.PrepareNextKey(r.Context(), actor(s), a.ID, r.PostForm.Get("algorithm")); err != nil {
		return h.keyRefused(w, r, s, a, renameFields(err, map[string]string{"algorithm": "nextAlgorithm"}), nil)
	}
	keysDone(w, r, a, "Next certificate prepared. Export the metadata and give it to the service provider, then activate the next certificate.")
	return nil
}

func (h *Handler) appKeyActivateNext(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := h.Service.ActivateNextKey(r.Context(), actor(s), a.ID); err != nil {
		return h.keyRefused(w, r, s, a, err, nil)
	}
	keysDone(w, r, a, "The next certificate is now active; the previous one is retired.")
	return nil
}

// appKeyRegenerate replaces the active key at once; it asks for an explicit
// confirmation because the service provider stops trusting the responses
// until it has the new certificate.
func (h *Handler) appKeyRegenerate(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.PostForm.Get("confirmRegenerate") == "" {
		err = badParam("confirmRegenerate", "check this box to replace the active certificate now")
	} else {
		_, err = h.Service.RegenerateKey(r.Context(), actor(s), a.ID, r.PostForm.Get("algorithm"))
	}
	if err != nil {
		return h.keyRefused(w, r, s, a, renameFields(err, map[string]string{"algorithm": "regenAlgorithm"}), nil)
	}
	keysDone(w, r, a, "A new certificate is active; the previous one is retired. Export the metadata for the service provider.")
	return nil
}

// appKeyUpload installs an own certificate and private key (files or
// pasted PEM). The private key is never shown again, even on a refusal.
func (h *Handler) appKeyUpload(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	cert, err := formFile(r, "certificateFile", lifecycle.MaxKeyPEMBytes)
	if err != nil {
		return h.keyRefused(w, r, s, a, err, nil)
	}
	if cert == nil {
		cert = []byte(r.PostForm.Get("certificate"))
	}
	key, err := formFile(r, "privateKeyFile", lifecycle.MaxKeyPEMBytes)
	if err != nil {
		return h.keyRefused(w, r, s, a, err, nil)
	}
	if key == nil {
		key = []byte(r.PostForm.Get("privateKey"))
	}
	if _, err := h.Service.UploadKey(r.Context(), actor(s), a.ID, cert, key); err != nil {
		return h.keyRefused(w, r, s, a, err, func(d *appSSOData) { d.Certificate = r.PostForm.Get("certificate") })
	}
	keysDone(w, r, a, "Your certificate and key are active; the previous key is retired. Export the metadata for the service provider.")
	return nil
}

func (h *Handler) appKeyRemove(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	a, err := h.loadApp(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.Service.RemoveKey(r.Context(), actor(s), a.ID, r.PathValue("keyId")); err != nil {
		return h.keyRefused(w, r, s, a, err, nil)
	}
	keysDone(w, r, a, "Certificate removed.")
	return nil
}
