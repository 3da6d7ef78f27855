package flickr

// The decoders as they were before they were made cheaper, kept as the
// reference the faster ones are checked against (FuzzDecodeMatchesReference):
// whatever the body, both must produce the same values and the same
// classified problems.

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/groupgraph/groupgraph/providers"
)

// refFlexString accepts a string, a number, a boolean, null or a
// {"_content": scalar} wrapper.
type refFlexString string

func (s *refFlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty value")
	}
	switch b[0] {
	case '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = refFlexString(v)
	case '{':
		inner, err := refUnwrapContent(b)
		if err != nil {
			return err
		}
		if inner == nil {
			*s = ""
			return nil
		}
		return s.UnmarshalJSON(inner)
	case 'n':
		*s = ""
	case 't', 'f':
		var v bool
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = refFlexString(strconv.FormatBool(v))
	case '[':
		return errors.New("a list where text was expected")
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = refFlexString(n.String())
	}
	return nil
}

// refFlexInt accepts a number, a numeric string, "" (zero), a boolean, null or a
// {"_content": scalar} wrapper.
type refFlexInt int

func (n *refFlexInt) UnmarshalJSON(b []byte) error {
	var s refFlexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	v, err := parseInt(string(s))
	if err != nil {
		return err
	}
	*n = refFlexInt(v)
	return nil
}

// empty list).
type refList[T any] []T

func (l *refList[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty value")
	}
	switch b[0] {
	case '[':
		var v []T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = v
	case '{':
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = refList[T]{v}
	case 'n':
		*l = nil
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "" {
			return errors.New("text where a list was expected")
		}
		*l = nil
	default:
		return errors.New("a scalar where a list was expected")
	}
	return nil
}

// refUnwrapContent returns the _content member of a {"_content": …} object,
// nil when it has none. Only scalars are accepted inside, so that nesting
// cannot recurse.
func refUnwrapContent(b []byte) ([]byte, error) {
	var w struct {
		Content json.RawMessage `json:"_content"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	c := bytes.TrimSpace(w.Content)
	if len(c) > 0 && (c[0] == '{' || c[0] == '[') {
		return nil, errors.New("nested _content")
	}
	if len(c) == 0 {
		return nil, nil
	}
	return c, nil
}

// refEnvelope is the part of every REST response that says whether it
// succeeded.
type refEnvelope struct {
	Stat    refFlexString `json:"stat"`
	Code    refFlexInt    `json:"code"`
	Message refFlexString `json:"message"`
}

// refDecodeREST checks a REST response body of method and decodes it into v.
// It tolerates a JSONP wrapper (the jsonFlickrApi(…) Flickr sends without
// nojsoncallback) and recognises the bodies Flickr sends outside its
// refEnvelope: raw oauth_problem reports and HTML error pages. A nil return
// means success.
func refDecodeREST(method string, body []byte, v any) *decodeProblem {
	b := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	b = stripJSONP(b)
	if len(b) == 0 {
		return unavailable(method, "empty response body")
	}
	if b[0] != '{' {
		return nonJSON(method, b)
	}
	var env refEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		return unavailable(method, "malformed JSON response")
	}
	switch env.Stat {
	case "ok":
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(b, v); err != nil {
			return unavailable(method, "unexpected JSON response shape")
		}
		return nil
	case "fail":
		code := int(env.Code)
		apiErr := &APIError{Method: method, Code: code, Upstream: string(env.Message), StatusCode: 200}
		if code == 0 {
			apiErr.Message = "stat=fail without an error code"
			return &decodeProblem{kind: providers.ErrUnavailable, apiErr: apiErr}
		}
		return &decodeProblem{kind: codeKind(method, code), apiErr: apiErr}
	}
	return unavailable(method, "response without stat")
}

// The response types as they were, over the reference flex types.

type refGroupsResponse struct {
	Groups struct {
		Group refList[refListedGroup] `json:"group"`
	} `json:"groups"`
}

type refListedGroup struct {
	NSID           refFlexString    `json:"nsid"`
	ID             refFlexString    `json:"id"`
	Name           refFlexString    `json:"name"`
	IconFarm       refFlexString    `json:"iconfarm"`
	IconServer     refFlexString    `json:"iconserver"`
	Admin          refFlexString    `json:"admin"`
	EighteenPlus   refFlexString    `json:"eighteenplus"`
	InvitationOnly refFlexString    `json:"invitation_only"`
	Members        refFlexString    `json:"members"`
	PoolCount      refFlexString    `json:"pool_count"`
	Privacy        refFlexString    `json:"privacy"`
	Throttle       *refWireThrottle `json:"throttle"`
	Restrictions   *refWireRestrict `json:"restrictions"`
}

type refWireThrottle struct {
	Count     refFlexString `json:"count"`
	Mode      refFlexString `json:"mode"`
	Remaining refFlexString `json:"remaining"`
}

type refWireRestrict struct {
	PhotosOK     refFlexString `json:"photos_ok"`
	VideosOK     refFlexString `json:"videos_ok"`
	ImagesOK     refFlexString `json:"images_ok"`
	ScreensOK    refFlexString `json:"screens_ok"`
	ArtOK        refFlexString `json:"art_ok"`
	VirtualOK    refFlexString `json:"virtual_ok"`
	SafeOK       refFlexString `json:"safe_ok"`
	ModerateOK   refFlexString `json:"moderate_ok"`
	RestrictedOK refFlexString `json:"restricted_ok"`
	HasGeo       refFlexString `json:"has_geo"`
}

type refInfoResponse struct {
	Group refWireGroup `json:"group"`
}

type refWireGroup struct {
	ID             refFlexString    `json:"id"`
	NSID           refFlexString    `json:"nsid"`
	PathAlias      refFlexString    `json:"path_alias"`
	IconServer     refFlexString    `json:"iconserver"`
	IconFarm       refFlexString    `json:"iconfarm"`
	Lang           refFlexString    `json:"lang"`
	PoolModerated  refFlexString    `json:"ispoolmoderated"`
	EighteenPlus   refFlexString    `json:"eighteenplus"`
	InvitationOnly refFlexString    `json:"invitation_only"`
	IsMember       refFlexString    `json:"is_member"`
	IsModerator    refFlexString    `json:"is_moderator"`
	IsAdmin        refFlexString    `json:"is_admin"`
	IsFounder      refFlexString    `json:"is_founder"`
	Name           refFlexString    `json:"name"`
	Description    *refFlexString   `json:"description"`
	Rules          *refFlexString   `json:"rules"`
	Members        refFlexString    `json:"members"`
	PoolCount      refFlexString    `json:"pool_count"`
	TopicCount     refFlexString    `json:"topic_count"`
	Privacy        refFlexString    `json:"privacy"`
	DateCreate     refFlexString    `json:"datecreate"`
	Roles          *refWireRoles    `json:"roles"`
	Throttle       *refWireThrottle `json:"throttle"`
	Restrictions   *refWireRestrict `json:"restrictions"`
}

type refWireRoles struct {
	Member    refFlexString `json:"member"`
	Moderator refFlexString `json:"moderator"`
	Admin     refFlexString `json:"admin"`
}

type refTestLoginResponse struct {
	User struct {
		ID       refFlexString `json:"id"`
		Username refFlexString `json:"username"`
	} `json:"user"`
}
