package dev.loupe.backbone.clip;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text cleaning CLIP's tokenizer does before BPE (openai/CLIP {@code simple_tokenizer.py}: {@code basic_clean},
 * {@code whitespace_clean}, lower case), written for Java.
 *
 * <p>{@code basic_clean} runs ftfy's {@code fix_text} and then Python's {@code html.unescape} twice. Of ftfy this
 * implements the fixes that apply to typed text (C1 controls read as Windows-1252, Latin ligatures, full-width forms,
 * curly quotes, line breaks, terminal escapes, control characters, NFC), not its mojibake detection; of
 * {@code html.unescape} the numeric references with its replacement rules and the named references HTML allows
 * without a semicolon (the Latin-1 set and &amp;amp; &amp;lt; &amp;gt; &amp;quot; &amp;copy; &amp;reg;) plus a few
 * common ones; other named references stay as typed. docs/adr/0021-zero-shot-classes.md says how this was checked.
 */
final class ClipTextCleaner {

    private ClipTextCleaner() {
    }

    /** What the reference tokenizer tokenises: cleaned, whitespace runs made one space, trimmed, lower case. */
    static String clean(String text) {
        String s = stripPython(htmlUnescape(htmlUnescape(fixText(text))));
        s = WHITESPACE.matcher(s).replaceAll(" ").strip(); // every \s is ASCII or Unicode white space: strip() agrees
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    /** Python's {@code regex} module's {@code \s} on str patterns: the Unicode White_Space property. */
    static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    // ---- the ftfy subset -------------------------------------------------------------------------------------------

    private static final Pattern ANSI_ESCAPE = Pattern.compile("\u001b\\[((?:\\d|;)*)([a-zA-Z])");

    /** ftfy's fixers in its order, repeated until nothing changes (as {@code fix_and_explain} does). */
    static String fixText(String text) {
        String s = text;
        for (int round = 0; round < 16; round++) {
            String before = s;
            s = mapChars(s);
            s = s.replace("\r\n", "\n").replace('\r', '\n').replace('\u2028', '\n').replace('\u2029', '\n')
                    .replace('\u0085', '\n');
            s = ANSI_ESCAPE.matcher(s).replaceAll("");
            s = removeControlChars(s);
            s = Normalizer.normalize(s, Normalizer.Form.NFC);
            if (s.equals(before)) {
                break;
            }
        }
        return s;
    }

    /** C1 controls, ligatures, full width and curly quotes: each one character to one or more. */
    private static String mapChars(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            String r = charFix(ch);
            if (r != null && out == null) {
                out = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (out != null) {
                if (r != null) {
                    out.append(r);
                } else {
                    out.append(ch);
                }
            }
        }
        return out == null ? s : out.toString();
    }

    private static String charFix(char ch) {
        if (ch >= 0x80 && ch <= 0x9f) {
            return String.valueOf(WINDOWS_1252_C1[ch - 0x80]);
        }
        String lig = LIGATURES.get(ch);
        if (lig != null) {
            return lig;
        }
        if (ch == 0x3000) {
            return " ";
        }
        if (ch >= 0xFF01 && ch < 0xFFF0) {
            String alt = Normalizer.normalize(String.valueOf(ch), Normalizer.Form.NFKC);
            return alt.equals(String.valueOf(ch)) ? null : alt;
        }
        if (ch == '\u02bc' || (ch >= '\u2018' && ch <= '\u201b')) {
            return "'";
        }
        if (ch >= '\u201c' && ch <= '\u201f') {
            return "\"";
        }
        return null;
    }

    private static String removeControlChars(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            boolean drop = ch <= 0x08 || ch == 0x0b || (ch >= 0x0e && ch <= 0x1f) || ch == 0x7f
                    || (ch >= 0x206a && ch <= 0x206f) || ch == 0xfeff || (ch >= 0xfff9 && ch <= 0xfffc);
            if (drop && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null && !drop) {
                out.append(ch);
            }
        }
        return out == null ? s : out.toString();
    }

    /** Bytes 0x80–0x9F as Windows-1252 reads them; the five it leaves undefined stay as they are. */
    private static final char[] WINDOWS_1252_C1 = (
            "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f"
                    + "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178")
            .toCharArray();

    private static final Map<Character, String> LIGATURES = Map.ofEntries(
            Map.entry('\u0132', "IJ"), Map.entry('\u0133', "ij"), Map.entry('\u0149', "\u02bcn"),
            Map.entry('\u01f1', "DZ"), Map.entry('\u01f2', "Dz"), Map.entry('\u01f3', "dz"),
            Map.entry('\u01c4', "D\u017d"), Map.entry('\u01c5', "D\u017e"), Map.entry('\u01c6', "d\u017e"),
            Map.entry('\u01c7', "LJ"), Map.entry('\u01c8', "Lj"), Map.entry('\u01c9', "lj"),
            Map.entry('\u01ca', "NJ"), Map.entry('\u01cb', "Nj"), Map.entry('\u01cc', "nj"),
            Map.entry('\ufb00', "ff"), Map.entry('\ufb01', "fi"), Map.entry('\ufb02', "fl"),
            Map.entry('\ufb03', "ffi"), Map.entry('\ufb04', "ffl"), Map.entry('\ufb05', "\u017ft"),
            Map.entry('\ufb06', "st"));

    // ---- html.unescape -----------------------------------------------------------------------------------------

    private static final Pattern CHARREF = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    /** Python's {@code html.unescape} (see the class comment for which named references are known). */
    static String htmlUnescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = CHARREF.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replaceCharref(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String replaceCharref(String s) {
        if (s.charAt(0) == '#') {
            boolean hex = s.charAt(1) == 'x' || s.charAt(1) == 'X';
            String digits = s.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) {
                digits = digits.substring(0, digits.length() - 1);
            }
            java.math.BigInteger big = new java.math.BigInteger(digits, hex ? 16 : 10);
            if (big.bitLength() > 31) {
                return "\ufffd";
            }
            int num = big.intValue();
            if (num == 0) {
                return "\ufffd";
            }
            if (num == 0x0d) {
                return "\r";
            }
            if (num >= 0x80 && num <= 0x9f) {
                return String.valueOf(WINDOWS_1252_C1[num - 0x80]);
            }
            if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
                return "\ufffd";
            }
            if ((num >= 0x1 && num <= 0x8) || (num >= 0xe && num <= 0x1f) || (num >= 0x7f && num <= 0x9f)
                    || (num >= 0xfdd0 && num <= 0xfdef) || num == 0xb || (num & 0xfffe) == 0xfffe) {
                return "";
            }
            return new String(Character.toChars(num));
        }
        String full = NAMED.get(s);
        if (full != null) {
            return full;
        }
        // The longest prefix that HTML allows without a semicolon, the rest kept as text.
        for (int x = s.length() - 1; x > 1; x--) {
            String v = NAMED.get(s.substring(0, x));
            if (v != null) {
                return v + s.substring(x);
            }
        }
        return "&" + s;
    }

    /** Named references: with a semicolon (key ends in ';') and the legacy ones HTML also reads without. */
    private static final Map<String, String> NAMED = namedReferences();

    private static Map<String, String> namedReferences() {
        Map<String, String> m = new HashMap<>();
        String[] latin1 = ("nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg "
                + "plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave "
                + "Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH "
                + "Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig "
                + "agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc "
                + "iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn "
                + "yuml").split(" ");
        for (int i = 0; i < latin1.length; i++) {
            legacy(m, latin1[i], String.valueOf((char) (160 + i)));
        }
        for (String[] e : new String[][] {{"amp", "&"}, {"AMP", "&"}, {"lt", "<"}, {"LT", "<"}, {"gt", ">"},
                {"GT", ">"}, {"quot", "\""}, {"QUOT", "\""}, {"COPY", "\u00a9"}, {"REG", "\u00ae"}}) {
            legacy(m, e[0], e[1]);
        }
        for (String[] e : new String[][] {{"apos", "'"}, {"hellip", "\u2026"}, {"mdash", "\u2014"},
                {"ndash", "\u2013"}, {"lsquo", "\u2018"}, {"rsquo", "\u2019"}, {"ldquo", "\u201c"},
                {"rdquo", "\u201d"}, {"euro", "\u20ac"}, {"trade", "\u2122"}, {"bull", "\u2022"}}) {
            m.put(e[0] + ";", e[1]);
        }
        return Map.copyOf(m);
    }

    private static void legacy(Map<String, String> m, String name, String value) {
        m.put(name, value);
        m.put(name + ";", value);
    }

    /** Python's {@code str.strip()}: also drops U+001C–U+001F, which Java does not count as white space. */
    private static String stripPython(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isPythonSpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isPythonSpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    private static boolean isPythonSpace(char c) {
        return (c >= 0x1c && c <= 0x1f) || WHITESPACE.matcher(String.valueOf(c)).matches();
    }
}
