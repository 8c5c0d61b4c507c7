package api

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/lifecycle"
	"github.com/jumpgate-idp/jumpgate/internal/samlidp"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// SSOInput is the body of PUT /api/v1/apps/{id}/sso: the whole settings.
// "updated" is read-only and refused.
type SSOInput struct {
	IdPEntityID        string                         `json:"idpEntityId"`
	SPEntityID         string                         `json:"spEntityId"`
	ACSURLs            []string                       `json:"acsUrls"`
	SPCertificate      string                         `json:"spCertificate"`
	NameIDAttribute    string                         `json:"nameIdAttribute"`
	NameIDFormat       string                         `json:"nameIdFormat"`
	SignatureAlgorithm string                         `json:"signatureAlgorithm"`
	Sign               string                         `json:"sign"`
	DefaultRelayState  string                         `json:"defaultRelayState"`
	Attributes         []directory.AttributeStatement `json:"attributes"`
	GroupsAttribute    string                         `json:"groupsAttribute"`
	Updated            json.RawMessage                `json:"updated,omitempty"`
}

// KeyAlgorithmInput is the optional body of POST .../keys/regenerate and
// .../keys/next.
type KeyAlgorithmInput struct {
	Algorithm string `json:"algorithm"`
}

// KeyUploadInput is the body of POST .../keys/upload.
type KeyUploadInput struct {
	Certificate string `json:"certificate"`
	PrivateKey  string `json:"privateKey"`
}

// KeyList is the answer of GET .../keys.
type KeyList struct {
	Items []lifecycle.KeyInfo `json:"items"`
}

// GroupIDsInput is the body of PUT /api/v1/apps/{id}/groups.
type GroupIDsInput struct {
	GroupIDs []string `json:"groupIds"`
}

// AppIDsInput is the body of PUT /api/v1/groups/{id}/apps.
type AppIDsInput struct {
	AppIDs []string `json:"appIds"`
}

// AppGroups is the answer of GET and PUT /api/v1/apps/{id}/groups.
type AppGroups struct {
	GroupIDs []string          `json:"groupIds"`
	Groups   []directory.Group `json:"groups"`
	Bound    []string          `json:"bound,omitempty"`
	Unbound  []string          `json:"unbound,omitempty"`
}

// GroupApps is the answer of GET and PUT /api/v1/groups/{id}/apps.
type GroupApps struct {
	AppIDs  []string        `json:"appIds"`
	Apps    []directory.App `json:"apps"`
	Bound   []string        `json:"bound,omitempty"`
	Unbound []string        `json:"unbound,omitempty"`
}

func (h *Handler) getAppSSO(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var sso *directory.AppSSO
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		if _, err := tx.GetApp(r.Context(), r.PathValue("id")); err != nil {
			return err
		}
		var err error
		sso, err = tx.GetAppSSO(r.Context(), r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, sso)
	return nil
}

func (h *Handler) putAppSSO(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in SSOInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.Updated != nil {
		return directory.Invalid(directory.FieldError{Field: "updated", Reason: "is read-only"})
	}
	sso, err := h.Service.PutAppSSO(r.Context(), p.Actor(), r.PathValue("id"), directory.AppSSO{
		IdPEntityID: in.IdPEntityID, SPEntityID: in.SPEntityID, ACSURLs: in.ACSURLs, SPCertificate: in.SPCertificate,
		NameIDAttribute: in.NameIDAttribute, NameIDFormat: in.NameIDFormat, SignatureAlgorithm: in.SignatureAlgorithm,
		Sign: in.Sign, DefaultRelayState: in.DefaultRelayState, Attributes: in.Attributes, GroupsAttribute: in.GroupsAttribute})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, sso)
	return nil
}

func (h *Handler) importMetadata(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	data, err := readRaw(r.Body, samlidp.MaxSPMetadataSize, "metadata")
	if err != nil {
		return err
	}
	sso, err := h.Service.ImportSPMetadata(r.Context(), p.Actor(), r.PathValue("id"), data)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, sso)
	return nil
}

func (h *Handler) listKeys(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	keys, err := h.Service.AppKeys(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, KeyList{Items: keys})
	return nil
}

// decodeOptional decodes a JSON body into dst unless the body is empty.
func decodeOptional(r io.Reader, dst any) error {
	data, err := io.ReadAll(io.LimitReader(r, web.MaxBodyBytes+1))
	if err != nil {
		return &directory.Error{Code: directory.EINVALID, Message: "cannot read the request body", Err: err}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	return web.DecodeJSON(bytes.NewReader(data), web.MaxBodyBytes, dst)
}

func (h *Handler) regenerateKey(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in KeyAlgorithmInput
	if err := decodeOptional(r.Body, &in); err != nil {
		return err
	}
	k, err := h.Service.RegenerateKey(r.Context(), p.Actor(), r.PathValue("id"), in.Algorithm)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, k)
	return nil
}

func (h *Handler) prepareNextKey(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in KeyAlgorithmInput
	if err := decodeOptional(r.Body, &in); err != nil {
		return err
	}
	k, err := h.Service.PrepareNextKey(r.Context(), p.Actor(), r.PathValue("id"), in.Algorithm)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, k)
	return nil
}

func (h *Handler) activateNextKey(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	k, err := h.Service.ActivateNextKey(r.Context(), p.Actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, k)
	return nil
}

func (h *Handler) uploadKey(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in KeyUploadInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	k, err := h.Service.UploadKey(r.Context(), p.Actor(), r.PathValue("id"), []byte(in.Certificate), []byte(in.PrivateKey))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, k)
	return nil
}

func (h *Handler) removeKey(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := h.Service.RemoveKey(r.Context(), p.Actor(), r.PathValue("id"), r.PathValue("keyId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) metadata(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	xml, name, err := h.Service.Metadata(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(xml)))
	_, err = w.Write(xml)
	return err
}

func (h *Handler) getImage(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var img *directory.AppImage
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		var err error
		img, err = tx.GetAppImage(r.Context(), r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", img.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("Content-Length", strconv.Itoa(len(img.Data)))
	_, err = w.Write(img.Data)
	return err
}

func (h *Handler) putImage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	data, err := readRaw(r.Body, directory.MaxImageBytes, "image")
	if err != nil {
		return err
	}
	a, err := h.Service.SetAppImage(r.Context(), p.Actor(), r.PathValue("id"), data)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) deleteImage(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	a, err := h.Service.RemoveAppImage(r.Context(), p.Actor(), r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, a)
	return nil
}

func (h *Handler) appGroups(r *http.Request, appID string) (*AppGroups, error) {
	out := &AppGroups{GroupIDs: []string{}, Groups: []directory.Group{}}
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		if _, err := tx.GetApp(r.Context(), appID); err != nil {
			return err
		}
		ids, err := tx.AppGroupIDs(r.Context(), appID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			g, err := tx.GetGroup(r.Context(), id)
			if err != nil {
				return err
			}
			out.GroupIDs, out.Groups = append(out.GroupIDs, id), append(out.Groups, *g)
		}
		return nil
	})
	return out, err
}

func (h *Handler) getAppGroups(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	out, err := h.appGroups(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) putAppGroups(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in GroupIDsInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.GroupIDs == nil {
		return directory.Invalid(directory.FieldError{Field: "groupIds", Reason: "is required (an empty list unbinds every group)"})
	}
	b, err := h.Service.SetAppGroups(r.Context(), p.Actor(), r.PathValue("id"), in.GroupIDs)
	if err != nil {
		return err
	}
	out, err := h.appGroups(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	out.Bound, out.Unbound = b.Bound, b.Unbound
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) groupApps(r *http.Request, groupID string) (*GroupApps, error) {
	out := &GroupApps{AppIDs: []string{}, Apps: []directory.App{}}
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		if _, err := tx.GetGroup(r.Context(), groupID); err != nil {
			return err
		}
		ids, err := tx.GroupAppIDs(r.Context(), groupID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			a, err := tx.GetApp(r.Context(), id)
			if err != nil {
				return err
			}
			out.AppIDs, out.Apps = append(out.AppIDs, id), append(out.Apps, *a)
		}
		return nil
	})
	return out, err
}

func (h *Handler) getGroupApps(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	out, err := h.groupApps(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) putGroupApps(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in AppIDsInput
	if err := web.DecodeJSON(r.Body, web.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.AppIDs == nil {
		return directory.Invalid(directory.FieldError{Field: "appIds", Reason: "is required (an empty list unbinds every application)"})
	}
	b, err := h.Service.SetGroupApps(r.Context(), p.Actor(), r.PathValue("id"), in.AppIDs)
	if err != nil {
		return err
	}
	out, err := h.groupApps(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	out.Bound, out.Unbound = b.Bound, b.Unbound
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}
