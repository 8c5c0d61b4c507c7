package samlidp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	xrv "github.com/mattermost/xml-roundtrip-validator"
)

// errDTD is wrapped by every refusal of a document type declaration.
var errDTD = errors.New("DTDs and entity declarations are not allowed")

// checkUntrustedXML refuses documents that carry a DTD or entity
// declarations (entity expansion and external entities), that are not
// well-formed, or that do not survive an encoding/xml round trip unchanged
// (the namespace confusions behind several SAML signature bypasses).
func checkUntrustedXML(data []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := 0
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		switch tok.(type) {
		case xml.Directive:
			return errDTD
		case xml.StartElement:
			if depth == 0 {
				root++
			}
			depth++
			if depth > 64 {
				return errors.New("XML nested too deeply")
			}
		case xml.EndElement:
			depth--
		}
	}
	if root != 1 {
		return errors.New("XML must have exactly one root element")
	}
	if err := xrv.Validate(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("XML does not round-trip: %w", err)
	}
	return nil
}
