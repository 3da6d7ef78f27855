package akana

// The groups-feed decoder as it was before it was made cheaper, kept as the
// reference the faster one is checked against (FuzzDecodeChannelMatchesReference):
// whatever the body, both must produce the same channel or both fail.

import (
	"bytes"
	"encoding/json"
)

// refChannel is channel as it was: an RSS channel in the platform's JSON rendering:
//
//	{"channel": {"title": "My Groups", "item": [ … ]}, "version": "1.0"}
type refChannel struct {
	Channel struct {
		Title       string                `json:"title"`
		Description string                `json:"description"`
		Items       refOneOrMany[refItem] `json:"item"`
	} `json:"channel"`
	Version string `json:"version"`
	// A fault can come back with a 200 on some deployments; it is checked
	// before the channel is trusted.
	FaultCode   string `json:"faultcode"`
	FaultString string `json:"faultstring"`
}

// refItem is one entry of a channel: a group in the user's groups feed.
type refItem struct {
	Title       string                    `json:"title"`
	Description string                    `json:"description"`
	Category    refOneOrMany[refCategory] `json:"category"`
	GUID        refGuid                   `json:"guid"`
	PubDate     string                    `json:"pubDate"`
	Image       struct {
		URL  string `json:"Url"`
		Link string `json:"Link"`
	} `json:"Image"`
}

type refCategory struct {
	Value  string `json:"value"`
	Domain string `json:"domain"`
}

// refGuid is {"value": "group19212.acmepaymentscorp"}; a bare string is taken
// too, as RSS itself allows it.
type refGuid struct{ Value string }

// UnmarshalJSON takes {"value": …} or a bare string.
func (g *refGuid) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte(`"`)) {
		return json.Unmarshal(b, &g.Value)
	}
	var v struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	g.Value = v.Value
	return nil
}

// refOneOrMany decodes a JSON array, or a single object where an XML-to-JSON
// rendering collapsed a one-element list, or null.
type refOneOrMany[T any] []T

// UnmarshalJSON takes an array, a single value or null.
func (o *refOneOrMany[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*o = nil
		return nil
	case bytes.HasPrefix(b, []byte("[")):
		var many []T
		if err := json.Unmarshal(b, &many); err != nil {
			return err
		}
		*o = many
		return nil
	default:
		var one T
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*o = []T{one}
		return nil
	}
}

func refDecodeChannel(body []byte) (*refChannel, error) {
	var c refChannel
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, errUndecodable
	}
	return &c, nil
}
