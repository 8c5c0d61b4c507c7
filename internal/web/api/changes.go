package api

import (
	"net/http"
	"strconv"

	"github.com/jumpgate-idp/jumpgate/internal/auth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web"
)

// ChangesPage is the answer of GET /api/v1/changes: changes in sequence
// order after the given sequence number; pass NextAfter as after to go on.
type ChangesPage struct {
	Items     []directory.Change `json:"items"`
	Limit     int                `json:"limit"`
	NextAfter int64              `json:"nextAfter"`
}

func (h *Handler) listChanges(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q := r.URL.Query()
	f := directory.ChangeFilter{ResourceType: q.Get("resourceType"), ResourceID: q.Get("resourceId")}
	var fe []directory.FieldError
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			fe = append(fe, directory.FieldError{Field: "after", Reason: "must be a non-negative integer"})
		}
		f.AfterSeq = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fe = append(fe, directory.FieldError{Field: "limit", Reason: "must be a positive integer"})
		}
		f.Limit = n
	}
	if f.ResourceType != "" && f.ResourceType != "user" && f.ResourceType != "group" {
		fe = append(fe, directory.FieldError{Field: "resourceType", Reason: "must be user or group"})
	}
	if len(fe) > 0 {
		return directory.Invalid(fe...)
	}
	f.Limit = directory.PageLimit(f.Limit)
	page := ChangesPage{Limit: f.Limit, NextAfter: f.AfterSeq}
	err := h.Store.View(r.Context(), func(tx directory.Tx) error {
		var err error
		page.Items, err = tx.ListChanges(r.Context(), f)
		return err
	})
	if err != nil {
		return err
	}
	if page.Items == nil {
		page.Items = []directory.Change{}
	}
	if n := len(page.Items); n > 0 {
		page.NextAfter = page.Items[n-1].Seq
	}
	web.WriteJSON(w, http.StatusOK, page)
	return nil
}
