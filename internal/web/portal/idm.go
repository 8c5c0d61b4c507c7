package portal

import "net/http"

// mountIdM registers an application's Identity Management tab and imports.
func (h *Handler) mountIdM(mux *http.ServeMux) {}
