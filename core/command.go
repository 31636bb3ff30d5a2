package core

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gopersonyze/personyze/core/internal/wire"
)

// Command names, spelled as the seed document spells them, plus the SDKs' "Products Removed
// from cart" and "Action Status" (see the wire package documentation).
const (
	cmdProductViewed           = "Product Viewed"
	cmdProductAddedToCart      = "Product Added to cart"
	cmdProductLiked            = "Product Liked"
	cmdProductPurchased        = "Product Purchased"
	cmdProductUnliked          = "Product Unliked"
	cmdProductRemovedFromCart  = "Product Removed from cart"
	cmdProductsPurchased       = "Products Purchased"
	cmdProductsUnliked         = "Products Unliked"
	cmdProductsRemovedFromCart = "Products Removed from cart"
	cmdArticleViewed           = "Article Viewed"
	cmdArticleLiked            = "Article Liked"
	cmdArticleCommented        = "Article Commented"
	cmdArticleUnliked          = "Article Unliked"
	cmdArticleGoal             = "Article Goal"
	cmdArticlesUnliked         = "Articles Unliked"
	cmdUserProfile             = "User Profile"
	cmdNavigate                = "Navigate"
	cmdActionStatus            = "Action Status"

	// navigatePrefix precedes the URL-encoded document name in a Navigate command.
	navigatePrefix = "urn:personyze:doc:"
)

// cmdKind tells what a command is without comparing names.
type cmdKind uint8

const (
	cmdOther    cmdKind = iota
	cmdItem             // product/article single-item event: may carry "action_id", N
	cmdPageView         // Navigate
	cmdBulk             // "Products ..." event: may carry "action_id", N right after the name
)

// Command is one tracker command: a JSON array whose first element is the name. Build commands
// with the constructors (ProductViewed, Navigate, ...), which spell names exactly and validate
// their input; invalid input is reported by Err and makes Visit.Track refuse the command.
// The zero Command is invalid.
type Command struct {
	w    wire.Command
	kind cmdKind
	err  error
}

// wireForm returns the command as the wire package sends it.
func (c Command) wireForm() wire.Command { return c.w }

// Name returns the command name, e.g. "Product Viewed".
func (c Command) Name() string { return c.w.Name }

// Args returns the elements after the name as they go on the wire: strings, and an int64 for
// the attribution suffix's action id.
func (c Command) Args() []any {
	out := make([]any, 0, len(c.w.Args)+2)
	for _, a := range c.w.Args {
		out = append(out, a)
	}
	if c.w.ActionID > 0 {
		out = append(out, "action_id", c.w.ActionID)
	}
	return out
}

// Err reports invalid constructor input (ErrEmptyID, ErrInvalidCommand), wrapped with the
// command name; nil for a valid command.
func (c Command) Err() error {
	if c.w.Name == "" && c.err == nil {
		return fmt.Errorf("%w: zero Command", ErrInvalidCommand)
	}
	return c.err
}

// MarshalJSON encodes the command as its wire array, e.g. ["Product Viewed","SKU-1"].
func (c Command) MarshalJSON() ([]byte, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	return c.w.AppendJSON(nil), nil
}

// WithAction attributes a product or article event (single-item, or one of the bulk
// "Products ..." events) to the recommendation action it came from, appending the seed's
// "action_id", N suffix (N a JSON integer), e.g. ["Products Purchased","action_id",10]. On
// any other command, or with actionID <= 0, the returned command carries ErrInvalidCommand.
func (c Command) WithAction(actionID int64) Command {
	if c.err != nil {
		return c
	}
	switch {
	case c.kind != cmdItem && c.kind != cmdBulk:
		c.err = fmt.Errorf("%w: %q cannot carry action_id", ErrInvalidCommand, c.w.Name)
	case actionID <= 0:
		c.err = fmt.Errorf("%w: %q: action id %d is not positive", ErrInvalidCommand, c.w.Name, actionID)
	default:
		c.w.ActionID = actionID
	}
	return c
}

// ActionID returns the attribution action id set by WithAction, or 0.
func (c Command) ActionID() int64 { return c.w.ActionID }

// ItemID returns the item id of a product or article single-item event, "" otherwise.
func (c Command) ItemID() string {
	if c.kind == cmdItem {
		return c.w.Args[0]
	}
	return ""
}

// IsNavigate reports whether c is a Navigate (page view) command.
func (c Command) IsNavigate() bool { return c.kind == cmdPageView }

// Attributable reports whether c is a product or article event that may carry an action id
// (see WithAction).
func (c Command) Attributable() bool { return c.kind == cmdItem || c.kind == cmdBulk }

// itemEvent builds a product/article single-item event.
func itemEvent(name, id string) Command {
	c := Command{w: wire.Command{Name: name, Args: []string{id}}, kind: cmdItem}
	if id == "" {
		c.err = fmt.Errorf("%w: %q needs an item id", ErrEmptyID, name)
	}
	return c
}

// ProductViewed reports that the visitor saw product id (the catalog's Internal ID).
func ProductViewed(id string) Command { return itemEvent(cmdProductViewed, id) }

// ProductAddedToCart reports that product id was added to the cart.
func ProductAddedToCart(id string) Command { return itemEvent(cmdProductAddedToCart, id) }

// ProductLiked reports that product id was added to the wish list.
func ProductLiked(id string) Command { return itemEvent(cmdProductLiked, id) }

// ProductPurchased reports that product id was purchased.
func ProductPurchased(id string) Command { return itemEvent(cmdProductPurchased, id) }

// ProductUnliked reports that product id was removed from the wish list.
func ProductUnliked(id string) Command { return itemEvent(cmdProductUnliked, id) }

// ProductRemovedFromCart reports that product id was removed from the cart.
func ProductRemovedFromCart(id string) Command { return itemEvent(cmdProductRemovedFromCart, id) }

// ProductsPurchased reports that everything in the cart was purchased.
func ProductsPurchased() Command {
	return Command{w: wire.Command{Name: cmdProductsPurchased}, kind: cmdBulk}
}

// ProductsUnliked reports that the wish list was cleared.
func ProductsUnliked() Command {
	return Command{w: wire.Command{Name: cmdProductsUnliked}, kind: cmdBulk}
}

// ProductsRemovedFromCart reports that the cart was emptied.
func ProductsRemovedFromCart() Command {
	return Command{w: wire.Command{Name: cmdProductsRemovedFromCart}, kind: cmdBulk}
}

// ArticleViewed reports that the visitor read article id (the catalog's Internal ID).
func ArticleViewed(id string) Command { return itemEvent(cmdArticleViewed, id) }

// ArticleLiked reports that article id was liked.
func ArticleLiked(id string) Command { return itemEvent(cmdArticleLiked, id) }

// ArticleCommented reports that article id was commented.
func ArticleCommented(id string) Command { return itemEvent(cmdArticleCommented, id) }

// ArticleUnliked reports that article id was unliked.
func ArticleUnliked(id string) Command { return itemEvent(cmdArticleUnliked, id) }

// ArticleGoal reports that article id reached its goal, as the application defines it.
func ArticleGoal(id string) Command { return itemEvent(cmdArticleGoal, id) }

// ArticlesUnliked marks all previously liked articles as not liked.
func ArticlesUnliked() Command { return Command{w: wire.Command{Name: cmdArticlesUnliked}} }

// UserProfile sets one profile field of the visitor, e.g. UserProfile("industry", "retail").
// One field per command, as Personyze's SDKs send them. Common fields are "email",
// "first_name", "last_name" and "phone". An empty field name is invalid; an
// empty value is sent as is.
func UserProfile(field, value string) Command {
	c := Command{w: wire.Command{Name: cmdUserProfile, Args: []string{field, value}}}
	if field == "" {
		c.err = fmt.Errorf("%w: %q needs a field name", ErrInvalidCommand, cmdUserProfile)
	}
	return c
}

// UserProfileFields returns one UserProfile command per entry of fields, sorted by field name
// so that the wire form does not depend on map iteration order.
func UserProfileFields(fields map[string]string) []Command {
	keys := slices.Sorted(maps.Keys(fields))
	out := make([]Command, 0, len(keys))
	for _, k := range keys {
		out = append(out, UserProfile(k, fields[k]))
	}
	return out
}

// MaxDocumentName is the most bytes a Navigate's document name takes on the wire, in its
// percent-encoded form (see Navigate). The default name is the request's path, which the
// client chooses: a long one must neither push the page's call over the 50,000-byte
// request limit nor fill Personyze's dashboard. 2048 bytes keep a plain ASCII name of
// that length, or about a third of it of slashes or non-ASCII text.
const MaxDocumentName = 2048

// Navigate reports a page view of document (shown in Personyze's dashboard; actions run once
// per document, so a request that should bring recommendations needs one). The wire form is
// "urn:personyze:doc:" + url.PathEscape(document): RFC 3986 percent-encoding in which a space
// is %20 and "/" is %2F, so any decoder (decodeURIComponent, rawurldecode) restores the name
// exactly, which "+" for space would not guarantee. Invalid UTF-8 in document becomes U+FFFD,
// and a name whose encoding is longer than MaxDocumentName is cut to its longest prefix of
// whole characters that fits, so the decoded name is always valid UTF-8.
func Navigate(document string) Command {
	c := Command{w: wire.Command{Name: cmdNavigate, Args: []string{navigatePrefix + escapeDocument(document)}, Navigate: true}, kind: cmdPageView}
	if document == "" {
		c.err = fmt.Errorf("%w: %q needs a document name", ErrEmptyID, cmdNavigate)
	}
	return c
}

// escapeDocument returns the wire form of a document name (after navigatePrefix): its
// percent-encoding, bounded by MaxDocumentName.
func escapeDocument(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "\uFFFD")
	}
	esc := url.PathEscape(name)
	if len(esc) <= MaxDocumentName {
		return esc
	}
	return cutEscaped(esc, MaxDocumentName)
}

// cutEscaped returns the longest prefix of esc, the url.PathEscape form of valid UTF-8, that
// is at most limit bytes and ends between two characters: never inside a %XX triplet, nor
// between the escaped bytes of one multi-byte character.
func cutEscaped(esc string, limit int) string {
	end := 0
	for end < len(esc) {
		n := 1
		if esc[end] == '%' && end+1 < len(esc) {
			// The first hex digit of a character's leading byte gives its length:
			// 0-7 one byte, C-D two, E three, F four (PathEscape writes upper case).
			switch esc[end+1] {
			case 'C', 'D':
				n = 6
			case 'E':
				n = 9
			case 'F':
				n = 12
			default:
				n = 3
			}
		}
		if end+n > limit {
			break
		}
		end += n
	}
	return esc[:end]
}

// Action statuses, as Personyze's SDKs report them.
const (
	statusExecuted = "executed" // the action was shown
	statusTarget   = "target"   // click on the action's call to action
	statusClose    = "close"    // dismissed; arg = number of sessions to hide it ("0")
	statusProduct  = "product"  // click on a product inside the action; arg = product id
	statusArticle  = "article"  // click on an article inside the action; arg = article id
)

// ActionStatus reports what happened to action actionID: ["Action Status", "<id>", status, arg]
// with the id as a decimal string. actionID must be positive and status non-empty. The
// statuses Personyze's SDKs report are "executed" (the action was shown), "target" (a click
// on its call to action), "close" (dismissed; arg the number of sessions to hide it),
// "product" and "article" (a click on an item inside it; arg the item's id) and "error" (the
// application could not show it; arg the reason).
func ActionStatus(actionID int64, status, arg string) Command {
	c := Command{w: wire.Command{Name: cmdActionStatus, Args: []string{strconv.FormatInt(actionID, 10), status, arg}}}
	c.err = checkAction(actionID, status)
	return c
}

// actionDontShow tells Personyze that action actionID was withheld because the visitor closed
// it for some sessions: the 3-element ["Action Status", "<id>", "dont-show"].
func actionDontShow(actionID int64) Command {
	c := Command{w: wire.Command{Name: cmdActionStatus, Args: []string{strconv.FormatInt(actionID, 10), "dont-show"}}}
	c.err = checkAction(actionID, "dont-show")
	return c
}

func checkAction(actionID int64, status string) error {
	if actionID <= 0 {
		return fmt.Errorf("%w: %q: action id %d is not positive", ErrInvalidCommand, cmdActionStatus, actionID)
	}
	if status == "" {
		return fmt.Errorf("%w: %q needs a status", ErrInvalidCommand, cmdActionStatus)
	}
	return nil
}
