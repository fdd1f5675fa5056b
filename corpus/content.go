package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Word lists for the generated text. Names, bodies and titles mix ASCII,
// accented Latin, Cyrillic, CJK and emoji, as a messenger's users do: the
// UTF-16 variants then store text of very different byte lengths than the
// UTF-8 ones.
var (
	firstNames = []string{"Alice", "Bob", "Chloé", "Dmitri", "Émile", "Fatima", "Grace", "Hiroshi", "Ingrid", "João",
		"Kwame", "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Søren", "Tanvir", "Uma", "Viktor",
		"Wen", "Ximena", "Yusuf", "Zoë", "Анна", "李", "さくら", "Ólafur"}
	lastNames = []string{"Martin", "Okafor", "Dubois", "Ivanov", "Nguyen", "García", "Kowalski", "Haddad", "Müller",
		"Tanaka", "Silva", "Andersen", "O'Brien", "Rossi", "Petrović", "Kim", "Cohen", "Mensah", "Novák", "Smith"}
	words = []string{"ok", "yes", "no", "maybe", "tonight", "tomorrow", "lunch", "dinner", "train", "late", "sorry",
		"thanks", "great", "photos", "meeting", "call", "later", "home", "work", "weekend", "trip", "bread", "milk",
		"birthday", "party", "the", "a", "to", "and", "we", "you", "I", "is", "are", "on", "at", "with", "for",
		"café", "naïve", "déjà vu", "😂", "👍", "❤️", "🎉", "📷", "привет", "спасибо", "谢谢", "ありがとう", "¡hola!", "straße"}
	groupTitles = []string{"Family", "Weekend trip 🏔", "Book club", "Flat 3B", "Football Thursdays ⚽", "Work — release",
		"Parents of class 2", "Чат дачи", "旅行の計画", "Climbing crew", "Birthday surprise 🎂", "Neighbours"}
	emojis = []string{"👍", "❤️", "😂", "😮", "😢", "🙏", "🔥"}
	mimes  = []struct {
		mime, ext string
		magic     []byte
		media     bool // has a duration
	}{
		{"image/jpeg", "jpg", []byte{0xff, 0xd8, 0xff, 0xe0}, false},
		{"image/png", "png", []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}, false},
		{"video/mp4", "mp4", []byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p'}, true},
		{"audio/ogg", "ogg", []byte("OggS"), true},
		{"application/pdf", "pdf", []byte("%PDF-1.7"), false},
	}
)

// pick returns a random element of list.
func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// personName is a contact's display name.
func personName(rng *rand.Rand) string {
	return pick(rng, firstNames) + " " + pick(rng, lastNames)
}

// phoneNumber is a plausible international number, or nil (no number).
func phoneNumber(rng *rand.Rand) any {
	if rng.IntN(6) == 0 {
		return nil
	}
	return fmt.Sprintf("+%d %03d %03d %04d", 1+rng.IntN(98), rng.IntN(1000), rng.IntN(1000), rng.IntN(10000))
}

// sentence is a message body of n words.
func sentence(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pick(rng, words))
	}
	return b.String()
}

// messageBody is short chat text most of the time, empty or NULL sometimes
// (a message that is only an attachment), and now and then a pasted text
// long enough to overflow a page.
func messageBody(rng *rand.Rand) any {
	switch r := rng.IntN(100); {
	case r < 4:
		return nil
	case r < 6:
		return ""
	case r < 8:
		return sentence(rng, 300+rng.IntN(900)) // a pasted article: 2 to 8 KB
	default:
		return sentence(rng, 1+rng.IntN(25))
	}
}

// blob returns n random bytes that start with magic, like a media file.
func blob(rng *rand.Rand, magic []byte, n int) []byte {
	b := make([]byte, max(n, len(magic)))
	fillRandom(rng, b)
	copy(b, magic)
	return b
}
