package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// Client calls the admin API at BaseURL with an API key.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	APIKey  string
	HTTP    *http.Client // http.DefaultClient when nil
}

// Error is an error answer of the API. It unwraps to a *directory.Error, so
// directory.ErrorCode and directory.ErrorFields work on it.
type Error struct {
	Status    int
	Code      string
	Message   string
	Fields    []directory.FieldError
	RequestID string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (HTTP %d", e.Message, e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, ", %s", e.Code)
	}
	b.WriteString(")")
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s %s", f.Field, f.Reason)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// Unwrap returns the error as a *directory.Error.
func (e *Error) Unwrap() error {
	return &directory.Error{Code: e.Code, Message: e.Message, Fields: e.Fields}
}

// ListOptions are the paging, search and sort parameters of a list.
type ListOptions struct {
	Limit  int
	Offset int
	Query  string // q: substring search
	Sort   string
	Order  string // asc or desc
	State  string // users only
}

func (o ListOptions) values() url.Values {
	v := url.Values{}
	if o.Limit > 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Offset > 0 {
		v.Set("offset", strconv.Itoa(o.Offset))
	}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", o.Query)
	set("sort", o.Sort)
	set("order", o.Order)
	set("state", o.State)
	return v
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("apiclient: encode: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("apiclient: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
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
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("apiclient: %s %s: decode: %w", method, path, err)
	}
	return nil
}

func decodeError(status int, data []byte) error {
	var body struct {
		Error struct {
			Code      string                 `json:"code"`
			Message   string                 `json:"message"`
			Fields    []directory.FieldError `json:"fields"`
			RequestID string                 `json:"requestId"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &body); err != nil || body.Error.Code == "" {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if msg == "" {
			msg = http.StatusText(status)
		}
		return &Error{Status: status, Code: codeOf(status), Message: msg}
	}
	e := body.Error
	return &Error{Status: status, Code: e.Code, Message: e.Message, Fields: e.Fields, RequestID: e.RequestID}
}

// codeOf guesses a code for an answer that is not the API's error JSON
// (a proxy's page, for example).
func codeOf(status int) string {
	switch status {
	case 400:
		return directory.EINVALID
	case 401:
		return directory.EUNAUTHORIZED
	case 403:
		return directory.EFORBIDDEN
	case 404:
		return directory.ENOTFOUND
	case 409:
		return directory.ECONFLICT
	case 413:
		return directory.ETOOLARGE
	case 429:
		return directory.ERATELIMITED
	case 502, 503, 504:
		return directory.EUNAVAILABLE
	}
	return directory.EINTERNAL
}

// IsNotFound reports whether err is an ENOTFOUND answer.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == directory.ENOTFOUND
}

func esc(id string) string { return url.PathEscape(id) }
