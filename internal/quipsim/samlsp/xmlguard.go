package samlsp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	xrv "github.com/mattermost/xml-roundtrip-validator"
)

// maxXMLDepth bounds element nesting. A SAML Response needs about 10
// levels; metadata about 12.
const maxXMLDepth = 32

// checkXML refuses what a SAML message never needs and parsers have been
// attacked with: a DOCTYPE (and so entity declarations), any other
// directive, processing instructions other than the XML declaration, more
// than one root element, excessive nesting, and XML that does not survive
// an encoding/xml round trip (mattermost/xml-roundtrip-validator) when
// roundTrip is set. Responses skip that last check here because
// crewjam/saml's ParseXMLResponse makes it before anything else.
func checkXML(data []byte, roundTrip bool) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("invalid XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errors.New("XML directives (DOCTYPE, ENTITY) are not allowed")
		case xml.ProcInst:
			if t.Target != "xml" {
				return fmt.Errorf("processing instruction %q is not allowed", t.Target)
			}
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return errors.New("more than one root element")
				}
			}
			depth++
			if depth > maxXMLDepth {
				return fmt.Errorf("elements nested deeper than %d", maxXMLDepth)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return errors.New("text outside the root element")
			}
		}
	}
	if roots != 1 {
		return errors.New("no root element")
	}
	if !roundTrip {
		return nil
	}
	if err := xrv.Validate(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("XML does not round-trip: %w", err)
	}
	return nil
}
