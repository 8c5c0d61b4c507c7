package quipsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jumpgate-idp/jumpgate/internal/scim"
)

// Faults make the SCIM API misbehave on purpose. Rates are shares of
// requests in [0,1]; they are drawn from one random number per request in
// the order drop, error, throttle, so their sum must not exceed 1.
type Faults struct {
	// Latency is added before every SCIM answer.
	Latency time.Duration `json:"latency"`
	// ErrorRate is the share answered 500 or 503 (half each).
	ErrorRate float64 `json:"error_rate"`
	// ThrottleRate is the share answered 429 with X-Scim-Retry-After.
	ThrottleRate float64 `json:"throttle_rate"`
	// DropRate is the share whose connection is closed without an answer.
	DropRate float64 `json:"drop_rate"`
	// RetryAfter is the X-Scim-Retry-After of forced 429s (default 1 s).
	RetryAfter time.Duration `json:"retry_after"`
}

// MarshalJSON writes durations as Go duration strings ("250ms").
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{Latency: f.Latency.String(), ErrorRate: f.ErrorRate, ThrottleRate: f.ThrottleRate,
		DropRate: f.DropRate, RetryAfter: f.RetryAfter.String()})
}

// UnmarshalJSON reads durations as Go duration strings or milliseconds.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	lat, err := parseDur(j.Latency)
	if err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	ra, err := parseDur(j.RetryAfter)
	if err != nil {
		return fmt.Errorf("retry_after: %w", err)
	}
	*f = Faults{Latency: lat, ErrorRate: j.ErrorRate, ThrottleRate: j.ThrottleRate, DropRate: j.DropRate, RetryAfter: ra}
	return nil
}

type faultsJSON struct {
	Latency      any     `json:"latency"`
	ErrorRate    float64 `json:"error_rate"`
	ThrottleRate float64 `json:"throttle_rate"`
	DropRate     float64 `json:"drop_rate"`
	RetryAfter   any     `json:"retry_after"`
}

func parseDur(v any) (time.Duration, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case float64:
		return time.Duration(v * float64(time.Millisecond)), nil
	case string:
		if v == "" {
			return 0, nil
		}
		return time.ParseDuration(v)
	}
	return 0, fmt.Errorf("want a duration string like \"250ms\" or milliseconds")
}

func (f Faults) validate() error {
	for _, r := range []float64{f.ErrorRate, f.ThrottleRate, f.DropRate} {
		if r < 0 || r > 1 {
			return fmt.Errorf("quipsim: fault rates must be within [0,1]")
		}
	}
	if f.ErrorRate+f.ThrottleRate+f.DropRate > 1 {
		return fmt.Errorf("quipsim: fault rates must add up to at most 1")
	}
	if f.Latency < 0 || f.Latency > time.Minute || f.RetryAfter < 0 || f.RetryAfter > time.Hour {
		return fmt.Errorf("quipsim: latency must be within [0,1m] and retry_after within [0,1h]")
	}
	return nil
}

// SetFaults replaces the injected faults; the zero Faults turns them off.
func (s *Server) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.faultMu.Lock()
	s.faults = f
	s.faultMu.Unlock()
	return nil
}

// CurrentFaults returns the injected faults.
func (s *Server) CurrentFaults() Faults {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.faults
}

// injectFaults applies the configured faults; it reports whether it
// answered (or dropped) the request itself.
func (s *Server) injectFaults(w http.ResponseWriter, r *http.Request) bool {
	f := s.CurrentFaults()
	if f == (Faults{}) {
		return false
	}
	if f.Latency > 0 {
		if err := s.cfg.Sleep(r.Context(), f.Latency); err != nil {
			return true
		}
	}
	x := s.cfg.Float()
	switch {
	case x < f.DropRate:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case x < f.DropRate+f.ErrorRate:
		if s.cfg.Float() < 0.5 {
			scim.WriteError(w, scim.Errorf(http.StatusInternalServerError, "", "injected fault: internal error"))
		} else {
			scim.WriteError(w, scim.Errorf(http.StatusServiceUnavailable, "", "injected fault: service unavailable"))
		}
		return true
	case x < f.DropRate+f.ErrorRate+f.ThrottleRate:
		ra := f.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		secs := strconv.Itoa(max(int((ra+time.Second-1)/time.Second), 1))
		w.Header().Set("X-Scim-Retry-After", secs)
		w.Header().Set("Retry-After", secs)
		scim.WriteError(w, scim.Errorf(http.StatusTooManyRequests, "", "injected fault: too many requests"))
		return true
	}
	return false
}

// handleFaults is GET/POST /_faults, guarded by the fault token.
func (s *Server) handleFaults(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if s.cfg.FaultToken == "" || !ok || !constantEqual(tok, s.cfg.FaultToken) {
		scim.WriteError(w, scim.Errorf(http.StatusUnauthorized, "", "a valid fault token is required"))
		return
	}
	if r.Method == http.MethodPost {
		var f Faults
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			scim.WriteError(w, scim.BadRequest(scim.TypeInvalidSyntax, "faults body: %s", err.Error()))
			return
		}
		if err := s.SetFaults(f); err != nil {
			scim.WriteError(w, scim.BadRequest(scim.TypeInvalidValue, "%s", err.Error()))
			return
		}
	}
	b, _ := json.Marshal(s.CurrentFaults())
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
