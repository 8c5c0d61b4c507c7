package portal

import "net/http"

// mountInsights registers the Directory Insights page.
func (h *Handler) mountInsights(mux *http.ServeMux) {}
