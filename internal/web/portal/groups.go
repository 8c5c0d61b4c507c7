package portal

import "net/http"

// mountGroups registers the User Groups pages.
func (h *Handler) mountGroups(mux *http.ServeMux) {}
