package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/jumpgate-idp/jumpgate/internal/testenv"
)

// updateScreenshots copies each browser test's screenshots to docs/screenshots
// for the README tour: go test ./cmd/jumpgate -run Browser -update-screenshots
var updateScreenshots = flag.Bool("update-screenshots", false, "copy browser screenshots to docs/screenshots")

// artifactsDir is where browser tests save their screenshots:
// $JUMPGATE_TEST_ARTIFACTS when set, else a directory under the system's
// temp directory that outlives the test (its path is logged).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("JUMPGATE_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "jumpgate-test-artifacts")
	}
	dir = filepath.Join(dir, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chrome is one headless chromium tab for a test.
type chrome struct {
	t         *testing.T
	ctx       context.Context
	downloads string
	shots     string
}

// newChrome starts Debian's chromium (the test fails under CI=true when it
// is missing, and skips otherwise) with downloads going to a temp directory.
func newChrome(t *testing.T) *chrome {
	t.Helper()
	exe := testenv.Command(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1366, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	c := &chrome{t: t, ctx: ctx, downloads: t.TempDir(), shots: artifactsDir(t)}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: c.downloads, EventsEnabled: new(true)}); err != nil {
		t.Fatalf("chromium downloads: %v", err)
	}
	return c
}

// do runs actions in order, failing the test (with a screenshot and the
// page's HTML) when one fails.
func (c *chrome) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		c.failed(what, err)
	}
}

// stepTimeout bounds one step of a browser test (a click and the page it
// waits for).
const stepTimeout = 45 * time.Second

func (c *chrome) failed(what string, err error) {
	c.t.Helper()
	c.shot("failed-" + what)
	loc, _ := chromedp.Run(c.ctx, chromedp.Location())
	body, _ := chromedp.Run(c.ctx, chromedp.OuterHTML(chromedp.CSS("body")))
	if len(body) > 6000 {
		body = body[:6000]
	}
	c.t.Fatalf("%s: %v\nat %s\n%s", what, err, loc, body)
}

// unlabeledJS lists the form fields of the page that have no label: every
// input a user can reach must be named for screen readers.
const unlabeledJS = `[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
	.filter(e => e.labels.length === 0 && !e.getAttribute("aria-label") && !e.getAttribute("aria-labelledby"))
	.map(e => e.outerHTML.slice(0, 120))`

// shot saves a full-page screenshot named after the test and step, and
// checks that every form field on the page has a label.
func (c *chrome) shot(step string) {
	c.t.Helper()
	if !strings.HasPrefix(step, "failed-") {
		if bad, err := chromedp.Run(c.ctx, chromedp.Evaluate[[]string](unlabeledJS)); err == nil && len(bad) > 0 {
			loc, _ := chromedp.Run(c.ctx, chromedp.Location())
			c.t.Errorf("%s: form fields without a label at %s: %v", step, loc, bad)
		}
	}
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Logf("screenshot %s: %v", step, err)
		return
	}
	name := strings.NewReplacer("/", "-", " ", "-").Replace(strings.TrimPrefix(c.t.Name(), "TestBrowser")+"-"+step) + ".png"
	path := filepath.Join(c.shots, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.t.Logf("screenshot: %s", path)
	if *updateScreenshots && !strings.HasPrefix(step, "failed-") {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", strings.ToLower(name)), png, 0o644); err != nil {
			c.t.Fatal(err)
		}
	}
}

// text returns the visible text of the first element matching the CSS
// selector sel.
func (c *chrome) text(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		c.failed("read "+sel, err)
	}
	return s
}

// location is the tab's URL.
func (c *chrome) location() string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		c.failed("location", err)
	}
	return s
}

// set sets the value of the form field matched by the CSS selector sel, as
// if typed (an input event is dispatched).
func (c *chrome) set(sel, value string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); return true })()`, sel, value)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](js)(ctx, t)
		return chromedp.Void{}, err
	}
}

// waitURL waits until the tab's URL contains part (a form's GET result
// has loaded).
func (c *chrome) waitURL(part string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for {
			loc, err := chromedp.Location()(ctx, t)
			if err != nil {
				return chromedp.Void{}, err
			}
			if strings.Contains(loc, part) {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("the URL %s never contained %q: %w", loc, part, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// wantText fails unless the text of sel contains every s.
func (c *chrome) wantText(sel string, ss ...string) {
	c.t.Helper()
	got := c.text(sel)
	for _, s := range ss {
		if !strings.Contains(got, s) {
			c.failed("want text", &textError{sel, s, got})
		}
	}
}

type textError struct{ sel, want, got string }

func (e *textError) Error() string {
	return "text of " + e.sel + " lacks " + e.want + "; it is: " + e.got
}

// download performs click, waits for the download it starts, and returns
// the file's suggested name and content.
func (c *chrome) download(what string, click chromedp.Action[chromedp.Void]) (string, []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	begins := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	c.do(what, click)
	var guid, name string
	for ev, err := range begins {
		if err != nil {
			c.failed(what+": no download began", err)
		}
		guid, name = ev.GUID, ev.SuggestedFilename
		break
	}
	for ev, err := range progress {
		if err != nil {
			c.failed(what+": download did not finish", err)
		}
		if ev.GUID == guid && ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	data, err := os.ReadFile(filepath.Join(c.downloads, guid))
	if err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
	return name, data
}
