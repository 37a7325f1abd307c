/*
 * trim_lang: the language tables of reply trimming; see trim_lang.h.
 *
 * Sources, per client (the strings were read from these and written here
 * in the normalised form trim_lang.h describes: no blank before a colon,
 * ASCII case irrelevant):
 *   Thunderbird: mailnews.reply_header_authorwrotesingle ("#1 wrote:") and
 *     mailnews.reply_header_ondateauthorwrote ("On #2 #3, #1 wrote:") of
 *     each locale's messenger.properties, the forward header
 *     ("-------- Forwarded Message --------", mime.properties) and the
 *     header field names of mail/messenger/messageheader/headerFields.ftl
 *     (thunderbird-l10n: e.g. de "Von", "An", "Betreff", "Datum").
 *   Outlook: the reply separator "-----Original Message-----" and the
 *     header block labels From/Sent/To/Cc/Subject of each Office language
 *     pack, as they appear in plain-text renderings of HTML replies (also
 *     in bold, "*From:*").
 *   Gmail: the attribution of its web client per display language ("On
 *     <date>, <name> <addr> wrote:", "Am <date> schrieb <name>:", "<name>
 *     于<date>写道：", ...) and its forward marker "---------- Forwarded
 *     message ---------", as collected by the public reply parsers
 *     (Discourse's email_reply_trimmer, talon, mail-reply-parser).
 *   Apple Mail: "On <date>, at <time>, <name> wrote:" and its
 *     translations, "Begin forwarded message:" and the iOS "Sent from my
 *     iPhone" taglines of each localisation.
 *   Android: the stock and Samsung mail clients' "---- <name> wrote ----".
 * A client that writes the same string as another is not repeated; a row
 * with an empty head is matched only with the TRIM_TPL_ flags that keep it
 * from taking a sentence of the reply for an attribution.
 */
#include <string.h>

#include "forumgate/buf.h"
#include "trim_lang.h"

#define D TRIM_TPL_DIGIT
#define A TRIM_TPL_ADDR
#define Q TRIM_TPL_QUOTE_NEXT

/* clang-format off */
const struct trim_attr_tpl trim_attr_tpls[] = {
	/* English */
	{"en", "Gmail/Apple Mail", "On ", NULL, " wrote:", D},
	{"en", "Outlook mobile", "On ", NULL, " sent:", D},
	{"en", "Thunderbird", "", NULL, " wrote:", Q},
	{"en", "mutt/slrn", "", NULL, " writes:", Q},
	{"en", "Android", "-- ", NULL, " wrote --", 0},
	{"en", "Thunderbird (reply_header_authorwroteondate)", "", " wrote on ", ":", D},
	/* German */
	{"de", "Gmail/Apple Mail/Thunderbird", "Am ", " schrieb ", ":", D},
	{"de", "Thunderbird", "", NULL, " schrieb:", Q},
	{"de", "Android", "-- ", NULL, " schrieb --", 0},
	{"de", "Thunderbird (authorwroteondate)", "", " schrieb am ", ":", D},
	/* French: "Le <date>, <name> a écrit :" */
	{"fr", "Gmail/Apple Mail/Thunderbird", "Le ", NULL, " a \xc3\xa9" "crit:", D},
	{"fr", "Thunderbird", "", NULL, " a \xc3\xa9" "crit:", Q},
	{"fr", "Android", "-- ", NULL, " a \xc3\xa9" "crit --", 0},
	{"fr", "Thunderbird (authorwroteondate)", "", " a \xc3\xa9" "crit le ", ":", D},
	/* Spanish */
	{"es", "Gmail/Apple Mail/Thunderbird", "El ", NULL, " escribi\xc3\xb3:", D},
	{"es", "Thunderbird", "", NULL, " escribi\xc3\xb3:", Q},
	{"es", "Android", "-- ", NULL, " escribi\xc3\xb3 --", 0},
	/* Portuguese */
	{"pt", "Gmail/Apple Mail/Thunderbird", "Em ", NULL, " escreveu:", D},
	{"pt", "Thunderbird", "", NULL, " escreveu:", Q},
	{"pt", "Android", "-- ", NULL, " escreveu --", 0},
	/* Italian: "Il giorno <date>, alle ore <time>, <name> ha scritto:" */
	{"it", "Gmail/Apple Mail/Thunderbird", "Il ", NULL, " ha scritto:", D},
	{"it", "Thunderbird", "", NULL, " ha scritto:", Q},
	{"it", "Android", "-- ", NULL, " ha scritto --", 0},
	/* Dutch */
	{"nl", "Gmail/Thunderbird", "Op ", " schreef ", ":", D},
	{"nl", "Apple Mail", "Op ", NULL, " het volgende geschreven:", D},
	{"nl", "Thunderbird", "", NULL, " schreef:", Q},
	{"nl", "Android", "-- ", NULL, " schreef --", 0},
	/* Danish, Swedish (Gmail: "Den <date> skrev <name>:") */
	{"da/sv", "Gmail/Apple Mail", "Den ", " skrev ", ":", D},
	/* Norwegian, Swedish, Danish without "Den" (Gmail nb, Apple Mail) */
	{"nb/sv/da", "Gmail/Apple Mail", "", " skrev ", ":", D},
	{"da/nb/sv", "Thunderbird", "", NULL, " skrev:", Q},
	{"da/nb/sv", "Android", "-- ", NULL, " skrev --", 0},
	/* Finnish: Gmail "<date> <name> kirjoitti:", Apple Mail "<name>
	 * kirjoitti <date> kello <time>:" */
	{"fi", "Gmail/Thunderbird", "", NULL, " kirjoitti:", D},
	{"fi", "Apple Mail", "", " kirjoitti ", ":", D},
	{"fi", "Thunderbird", "", NULL, " kirjoitti:", Q},
	/* Polish */
	{"pl", "Gmail", "", NULL, " napisa\xc5\x82(a):", D},
	{"pl", "Outlook", "", NULL, " napisa\xc5\x82:", D},
	{"pl", "Apple Mail", "Wiadomo\xc5\x9b\xc4\x87 napisana przez ", NULL, ":", D},
	{"pl", "Thunderbird", "", NULL, " pisze:", Q},
	/* Czech */
	{"cs", "Gmail", "", NULL, " napsal:", D},
	{"cs", "Gmail/Thunderbird", "", NULL, " napsal(a):", D},
	{"cs", "Thunderbird", "", NULL, " napsal(a):", Q},
	/* Russian: Gmail "<date>, <name> <addr>:" (the generic row below),
	 * Apple Mail "<date>, в <time>, <name> написал(а):" */
	{"ru", "Apple Mail", "", NULL, " \xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xbb(\xd0\xb0):", D},
	{"ru", "Outlook", "", NULL, " \xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xbb:", D},
	{"ru", "Thunderbird", "", NULL, " \xd0\xbf\xd0\xb8\xd1\x88\xd0\xb5\xd1\x82:", Q},
	/* Ukrainian: "<date> <name> пише:", Apple Mail "написав(ла):" */
	{"uk", "Gmail/Thunderbird", "", NULL, " \xd0\xbf\xd0\xb8\xd1\x88\xd0\xb5:", D},
	{"uk", "Thunderbird", "", NULL, " \xd0\xbf\xd0\xb8\xd1\x88\xd0\xb5:", Q},
	{"uk", "Apple Mail", "", NULL, " \xd0\xbd\xd0\xb0\xd0\xbf\xd0\xb8\xd1\x81\xd0\xb0\xd0\xb2(\xd0\xbb\xd0\xb0):", D},
	/* Turkish: "<date> tarihinde <name> şunu yazdı:" */
	{"tr", "Gmail", "", NULL, " \xc5\x9funu yazd\xc4\xb1:", D},
	{"tr", "Apple Mail/Outlook", "", " tarihinde", " yazd\xc4\xb1:", D},
	{"tr", "Thunderbird", "", NULL, " yazm\xc4\xb1\xc5\x9f:", Q},
	/* Japanese: Gmail "<date> <name> <addr>:" (generic row), Apple Mail
	 * "<date> <time>、<name> のメール:", Thunderbird "<name> さんは書きました:" */
	{"ja", "Apple Mail", "", NULL, "\xe3\x81\xae\xe3\x83\xa1\xe3\x83\xbc\xe3\x83\xab:", D},
	{"ja", "Thunderbird", "", NULL,
	 "\xe3\x81\x95\xe3\x82\x93\xe3\x81\xaf\xe6\x9b\xb8\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x97\xe3\x81\x9f:", Q},
	/* "<date> <time> に <name> さんは書きました:" (Thunderbird ja with a date) */
	{"ja", "Thunderbird", "", NULL,
	 "\xe3\x81\x95\xe3\x82\x93\xe3\x81\xaf\xe6\x9b\xb8\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x97\xe3\x81\x9f:", D},
	/* Gmail ja: "<date>に <name> <addr> のメッセージ:" */
	{"ja", "Gmail", "", NULL, "\xe3\x81\xae\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83\xbc\xe3\x82\xb8:", D},
	/* Chinese: Gmail "<name> <addr> 于<date>写道：", zh-TW "於 ... 寫道：" */
	{"zh", "Gmail/Apple Mail/Thunderbird", "", NULL, "\xe5\x86\x99\xe9\x81\x93:", D},
	{"zh", "Thunderbird", "", NULL, "\xe5\x86\x99\xe9\x81\x93:", Q},
	{"zh-TW", "Gmail/Apple Mail", "", NULL, "\xe5\xaf\xab\xe9\x81\x93:", D},
	/* Korean: Gmail "<date>, <name>님이 작성:", Apple Mail "<date>, <name> 작성:" */
	{"ko", "Gmail", "", NULL, "\xeb\x8b\x98\xec\x9d\xb4 \xec\x9e\x91\xec\x84\xb1:", D},
	{"ko", "Apple Mail/Thunderbird", "", NULL, " \xec\x9e\x91\xec\x84\xb1:", D},
	{"ko", "Thunderbird", "", NULL, " \xec\x9e\x91\xec\x84\xb1:", Q},
	/* older Gmail ko: "<date>, <name>님이 쓴 글:" */
	{"ko", "Gmail", "", NULL, "\xeb\x8b\x98\xec\x9d\xb4 \xec\x93\xb4 \xea\xb8\x80:", D},
	/* Vietnamese: "Vào <date> <name> đã viết:" */
	{"vi", "Gmail/Apple Mail", "V\xc3\xa0o ", NULL, " \xc4\x91\xc3\xa3 vi\xe1\xba\xbft:", D},
	{"vi", "Thunderbird", "", NULL, " \xc4\x91\xc3\xa3 vi\xe1\xba\xbft:", Q},
	/* any language: "<date>, <name> <addr>:" above a quote (Gmail ru/ja,
	 * Apple Mail cs "<date> v <time>, <name> <addr>:") */
	{"*", "Gmail/Apple Mail", "", NULL, ":", D | A | Q},
};
/* clang-format on */
const size_t trim_attr_ntpls = sizeof(trim_attr_tpls) / sizeof(trim_attr_tpls[0]);

/* clang-format off */
#define L(lang, label) {lang, label, false}
#define T(lang, label) {lang, label, true}
const struct trim_label trim_labels[] = {
	L("en", "From"), L("en", "To"), L("en", "Cc"), L("en", "Subject"), L("en", "Reply-To"),
	T("en", "Sent"), T("en", "Date"),
	L("de", "Von"), L("de", "An"), L("de", "Betreff"), L("de", "Antwort an"),
	T("de", "Gesendet"), T("de", "Datum"),
	L("fr", "De"), L("fr", "\xc3\x80"), L("fr", "\xc3\xa0"), L("fr", "Objet"),
	L("fr", "Exp\xc3\xa9" "diteur"), L("fr", "Destinataire"), L("fr", "R\xc3\xa9pondre \xc3\xa0"),
	T("fr", "Envoy\xc3\xa9"), T("fr", "Le"),
	L("es", "Para"), L("es", "Asunto"), L("es", "CC"), T("es", "Enviado el"), T("es", "Enviado"),
	T("es", "Fecha"),
	L("pt", "Assunto"), T("pt", "Enviada em"), T("pt", "Data"),
	L("it", "Da"), L("it", "A"), L("it", "Oggetto"), L("it", "Risposta"), T("it", "Inviato"),
	L("nl", "Van"), L("nl", "Aan"), L("nl", "Onderwerp"), L("nl", "Beantwoorden - Aan"),
	T("nl", "Verzonden"),
	L("da/nb", "Fra"), L("da/nb", "Til"), L("da/nb", "Emne"), L("nb", "Kopi"), T("da/nb", "Sendt"),
	T("da/nb", "Dato"),
	L("sv", "Fr\xc3\xa5n"), L("sv", "Till"), L("sv", "\xc3\x84mne"), L("sv", "\xc3\xa4mne"),
	L("sv", "Kopia"), T("sv", "Skickat"),
	L("fi", "L\xc3\xa4hett\xc3\xa4j\xc3\xa4"), L("fi", "Vastaanottaja"), L("fi", "Aihe"),
	L("fi", "Kopio"), T("fi", "L\xc3\xa4hetetty"), T("fi", "P\xc3\xa4iv\xc3\xa4m\xc3\xa4\xc3\xa4r\xc3\xa4"),
	L("pl", "Od"), L("pl", "Do"), L("pl", "DW"), L("pl", "Temat"), T("pl", "Wys\xc5\x82" "ano"),
	T("pl", "Wys\xc5\x82" "any"),
	L("cs", "Komu"), L("cs", "Kopie"), L("cs", "P\xc5\x99" "edm\xc4\x9bt"),
	T("cs", "Odesl\xc3\xa1no"),
	L("ru", "\xd0\x9e\xd1\x82"), L("ru/uk", "\xd0\x9a\xd0\xbe\xd0\xbc\xd1\x83"),
	L("ru/uk", "\xd0\xa2\xd0\xb5\xd0\xbc\xd0\xb0"), L("ru", "\xd0\x9a\xd0\xbe\xd0\xbf\xd0\xb8\xd1\x8f"),
	T("ru", "\xd0\x9e\xd1\x82\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe"),
	T("ru/uk", "\xd0\x94\xd0\xb0\xd1\x82\xd0\xb0"),
	L("uk", "\xd0\x92\xd1\x96\xd0\xb4"), L("uk", "\xd0\x9a\xd0\xbe\xd0\xbf\xd1\x96\xd1\x8f"),
	T("uk", "\xd0\x9d\xd0\xb0\xd0\xb4\xd1\x96\xd1\x81\xd0\xbb\xd0\xb0\xd0\xbd\xd0\xbe"),
	L("tr", "Kimden"), L("tr", "Kime"), L("tr", "Bilgi"), L("tr", "Konu"),
	T("tr", "G\xc3\xb6nderildi"), T("tr", "Tarih"),
	L("ja", "\xe5\xb7\xae\xe5\x87\xba\xe4\xba\xba"), L("ja", "\xe5\xae\x9b\xe5\x85\x88"),
	L("ja", "\xe4\xbb\xb6\xe5\x90\x8d"), T("ja", "\xe9\x80\x81\xe4\xbf\xa1\xe6\x97\xa5\xe6\x99\x82"),
	T("ja/zh", "\xe6\x97\xa5\xe4\xbb\x98"),
	L("zh", "\xe5\x8f\x91\xe4\xbb\xb6\xe4\xba\xba"), L("zh", "\xe6\x94\xb6\xe4\xbb\xb6\xe4\xba\xba"),
	L("zh", "\xe6\x8a\x84\xe9\x80\x81"), L("zh", "\xe4\xb8\xbb\xe9\xa2\x98"),
	T("zh", "\xe5\x8f\x91\xe9\x80\x81\xe6\x97\xb6\xe9\x97\xb4"), T("zh", "\xe6\x97\xa5\xe6\x9c\x9f"),
	L("zh-TW", "\xe5\xaf\x84\xe4\xbb\xb6\xe8\x80\x85"), L("zh-TW", "\xe6\x94\xb6\xe4\xbb\xb6\xe8\x80\x85"),
	L("zh-TW", "\xe4\xb8\xbb\xe6\x97\xa8"), T("zh-TW", "\xe5\xaf\x84\xe4\xbb\xb6\xe6\x97\xa5\xe6\x9c\x9f"),
	L("ko", "\xeb\xb3\xb4\xeb\x82\xb8 \xec\x82\xac\xeb\x9e\x8c"),
	L("ko", "\xeb\xb0\x9b\xeb\x8a\x94 \xec\x82\xac\xeb\x9e\x8c"), L("ko", "\xec\xb0\xb8\xec\xa1\xb0"),
	L("ko", "\xec\xa0\x9c\xeb\xaa\xa9"), T("ko", "\xeb\xb3\xb4\xeb\x82\xb8 \xeb\x82\xa0\xec\xa7\x9c"),
	T("ko", "\xeb\x82\xa0\xec\xa7\x9c"),
	L("vi", "T\xe1\xbb\xab"), L("vi", "\xc4\x90\xe1\xba\xbfn"), L("vi", "Ch\xe1\xbb\xa7 \xc4\x91\xe1\xbb\x81"),
	T("vi", "\xc4\x90\xc3\xa3 g\xe1\xbb\xad" "i"), T("vi", "Ng\xc3\xa0y"),
};
/* clang-format on */
#undef L
#undef T
const size_t trim_nlabels = sizeof(trim_labels) / sizeof(trim_labels[0]);

/* The Outlook and Thunderbird separator above a quoted original, between
 * dashes: "-----Original Message-----", "-------- Original Message --------". */
/* clang-format off */
const struct trim_marker trim_original_markers[] = {
	{"en", "Outlook/Thunderbird", "Original Message"},
	{"en", "Outlook", "Reply Message"},
	{"de", "Outlook", "Urspr\xc3\xbcngliche Nachricht"},
	{"de", "Outlook", "Antwort Nachricht"},
	{"de", "Thunderbird", "Original-Nachricht"},
	{"fr", "Outlook", "Message d'origine"},
	{"fr", "Thunderbird", "Message original"},
	{"es", "Outlook", "Mensaje original"},
	{"pt", "Outlook", "Mensagem original"},
	{"pt", "Outlook", "Mensagem Original"},
	{"it", "Outlook", "Messaggio originale"},
	{"nl", "Outlook", "Oorspronkelijk bericht"},
	{"nl", "Thunderbird", "Origineel bericht"},
	{"da", "Outlook", "Oprindelig meddelelse"},
	{"nb", "Outlook", "Opprinnelig melding"},
	{"nb", "Outlook", "Original melding"},
	{"sv", "Outlook", "Ursprungligt meddelande"},
	{"sv", "Outlook", "Originalmeddelande"},
	{"fi", "Outlook", "Alkuper\xc3\xa4inen viesti"},
	{"pl", "Outlook", "Oryginalna wiadomo\xc5\x9b\xc4\x87"},
	{"pl", "Thunderbird", "Wiadomo\xc5\x9b\xc4\x87 oryginalna"},
	{"cs", "Outlook", "P\xc5\xaf" "vodn\xc3\xad zpr\xc3\xa1va"},
	{"ru", "Outlook",
	 "\xd0\x98\xd1\x81\xd1\x85\xd0\xbe\xd0\xb4\xd0\xbd\xd0\xbe\xd0\xb5 "
	 "\xd1\x81\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5"},
	{"ru", "Thunderbird",
	 "\xd0\x9f\xd0\xb5\xd1\x80\xd0\xb2\xd0\xbe\xd0\xbd\xd0\xb0\xd1\x87\xd0\xb0\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xbe\xd0\xb5 "
	 "\xd1\x81\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5"},
	{"uk", "Outlook",
	 "\xd0\x9e\xd1\x80\xd0\xb8\xd0\xb3\xd1\x96\xd0\xbd\xd0\xb0\xd0\xbb\xd1\x8c\xd0\xbd\xd0\xb5 "
	 "\xd0\xbf\xd0\xbe\xd0\xb2\xd1\x96\xd0\xb4\xd0\xbe\xd0\xbc\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbd\xd1\x8f"},
	{"tr", "Outlook", "\xc3\x96zg\xc3\xbcn \xc4\xb0leti"},
	{"tr", "Outlook", "Orijinal Mesaj"},
	{"ja", "Outlook", "\xe5\x85\x83\xe3\x81\xae\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83\xbc\xe3\x82\xb8"},
	{"zh", "Outlook", "\xe5\x8e\x9f\xe5\xa7\x8b\xe9\x82\xae\xe4\xbb\xb6"},
	{"zh-TW", "Outlook", "\xe5\x8e\x9f\xe5\xa7\x8b\xe9\x83\xb5\xe4\xbb\xb6"},
	{"ko", "Outlook", "\xec\x9b\x90\xeb\xb3\xb8 \xeb\xa9\x94\xec\x8b\x9c\xec\xa7\x80"},
	{"vi", "Outlook", "Th\xc6\xb0 g\xe1\xbb\x91" "c"},
};
/* clang-format on */
const size_t trim_noriginal_markers = sizeof(trim_original_markers) /
				      sizeof(trim_original_markers[0]);

/* Gmail "---------- Forwarded message ---------", Thunderbird
 * "-------- Forwarded Message --------". */
/* clang-format off */
const struct trim_marker trim_forward_dashed[] = {
	{"en", "Gmail/Thunderbird", "Forwarded message"},
	{"de", "Gmail/Thunderbird", "Weitergeleitete Nachricht"},
	{"fr", "Gmail/Thunderbird", "Message transf\xc3\xa9r\xc3\xa9"},
	{"es", "Gmail/Thunderbird", "Mensaje reenviado"},
	{"pt", "Gmail", "Mensagem encaminhada"},
	{"it", "Gmail/Thunderbird", "Messaggio inoltrato"},
	{"nl", "Gmail/Thunderbird", "Doorgestuurd bericht"},
	{"da", "Gmail", "Videresendt meddelelse"},
	{"nb", "Gmail", "Videresendt melding"},
	{"sv", "Gmail", "Vidarebefordrat meddelande"},
	{"fi", "Gmail", "V\xc3\xa4litetty viesti"},
	{"pl", "Gmail", "Przekazana wiadomo\xc5\x9b\xc4\x87"},
	{"cs", "Gmail", "P\xc5\x99" "eposlan\xc3\xa1 zpr\xc3\xa1va"},
	{"ru", "Gmail",
	 "\xd0\x9f\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd1\x8b\xd0\xbb\xd0\xb0\xd0\xb5\xd0\xbc\xd0\xbe\xd0\xb5 "
	 "\xd1\x81\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5"},
	{"uk", "Gmail",
	 "\xd0\x9f\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd0\xbb\xd0\xb0\xd0\xbd\xd0\xb8\xd0\xb9 "
	 "\xd0\xbb\xd0\xb8\xd1\x81\xd1\x82"},
	{"tr", "Gmail", "Y\xc3\xb6nlendirilmi\xc5\x9f ileti"},
	{"ja", "Gmail", "\xe8\xbb\xa2\xe9\x80\x81\xe3\x83\xa1\xe3\x83\x83\xe3\x82\xbb\xe3\x83\xbc\xe3\x82\xb8"},
	{"zh", "Gmail", "\xe8\xbd\xac\xe5\x8f\x91\xe7\x9a\x84\xe9\x82\xae\xe4\xbb\xb6"},
	{"zh-TW", "Gmail", "\xe8\xbd\x89\xe5\xaf\x84\xe7\x9a\x84\xe9\x83\xb5\xe4\xbb\xb6"},
	{"ko", "Gmail", "\xec\xa0\x84\xeb\x8b\xac\xeb\x90\x9c \xeb\xa9\x94\xec\x9d\xbc"},
	{"vi", "Gmail", "Th\xc6\xb0 \xc4\x91\xc3\xa3 chuy\xe1\xbb\x83n ti\xe1\xba\xbfp"},
};
/* clang-format on */
const size_t trim_nforward_dashed = sizeof(trim_forward_dashed) / sizeof(trim_forward_dashed[0]);

/* Apple Mail's forward line, alone on its line. */
/* clang-format off */
const struct trim_marker trim_forward_lines[] = {
	{"en", "Apple Mail", "Begin forwarded message:"},
	{"de", "Apple Mail", "Anfang der weitergeleiteten Nachricht:"},
	{"fr", "Apple Mail", "D\xc3\xa9" "but du message r\xc3\xa9" "exp\xc3\xa9" "di\xc3\xa9:"},
	{"fr", "Apple Mail", "D\xc3\xa9" "but du message transf\xc3\xa9r\xc3\xa9:"},
	{"es", "Apple Mail", "Inicio del mensaje reenviado:"},
	{"pt", "Apple Mail", "In\xc3\xad" "cio da mensagem reencaminhada:"},
	{"pt", "Apple Mail", "In\xc3\xad" "cio da mensagem encaminhada:"},
	{"it", "Apple Mail", "Inizio messaggio inoltrato:"},
	{"nl", "Apple Mail", "Begin doorgestuurd bericht:"},
	{"da", "Apple Mail", "Videresendt besked:"},
	{"nb", "Apple Mail", "Videresendt melding:"},
	{"sv", "Apple Mail", "Vidarebefordrat mejl:"},
	{"fi", "Apple Mail", "V\xc3\xa4litetty viesti alkaa:"},
	{"pl", "Apple Mail", "Pocz\xc4\x85tek przekazywanej wiadomo\xc5\x9b" "ci:"},
	{"cs", "Apple Mail", "Za\xc4\x8d\xc3\xa1tek p\xc5\x99" "eposlan\xc3\xa9 zpr\xc3\xa1vy:"},
	{"ru", "Apple Mail",
	 "\xd0\x9d\xd0\xb0\xd1\x87\xd0\xb0\xd0\xbb\xd0\xbe \xd0\xbf\xd0\xb5\xd1\x80\xd0\xb5\xd0\xb0"
	 "\xd0\xb4\xd1\x80\xd0\xb5\xd1\x81\xd0\xbe\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbd\xd0\xbe\xd0\xb3\xd0\xbe "
	 "\xd1\x81\xd0\xbe\xd0\xbe\xd0\xb1\xd1\x89\xd0\xb5\xd0\xbd\xd0\xb8\xd1\x8f:"},
	{"uk", "Apple Mail",
	 "\xd0\x9f\xd0\xbe\xd1\x87\xd0\xb0\xd1\x82\xd0\xbe\xd0\xba \xd0\xbb\xd0\xb8\xd1\x81\xd1\x82\xd0\xb0, "
	 "\xd1\x89\xd0\xbe \xd0\xbf\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd0\xb8\xd0\xbb\xd0\xb0\xd1\x94"
	 "\xd1\x82\xd1\x8c\xd1\x81\xd1\x8f:"},
	{"tr", "Apple Mail", "\xc4\xb0letilen ileti ba\xc5\x9flang\xc4\xb1" "c\xc4\xb1:"},
	{"ja", "Apple Mail", "\xe8\xbb\xa2\xe9\x80\x81\xe3\x81\x95\xe3\x82\x8c\xe3\x81\x9f\xe3\x83\xa1"
	 "\xe3\x83\x83\xe3\x82\xbb\xe3\x83\xbc\xe3\x82\xb8:"},
	{"zh", "Apple Mail", "\xe4\xbb\xa5\xe4\xb8\x8b\xe6\x98\xaf\xe8\xbd\xac\xe5\x8f\x91\xe7\x9a\x84"
	 "\xe9\x82\xae\xe4\xbb\xb6:"},
	{"ko", "Apple Mail", "\xec\xa0\x84\xeb\x8b\xac\xeb\x90\x9c \xeb\xa9\x94\xec\x8b\x9c\xec\xa7\x80:"},
	{"vi", "Apple Mail", "B\xe1\xba\xaft \xc4\x91\xe1\xba\xa7u th\xc6\xb0 \xc4\x91\xc6\xb0\xe1\xbb\xa3" "c "
	 "chuy\xe1\xbb\x83n ti\xe1\xba\xbfp:"},
};
/* clang-format on */
const size_t trim_nforward_lines = sizeof(trim_forward_lines) / sizeof(trim_forward_lines[0]);

/* iOS/Android/Outlook mobile taglines. */
/* clang-format off */
const struct trim_tagline trim_taglines[] = {
	{"en", "Sent from my ", ""},
	{"de", "Von meinem ", " gesendet"},
	{"de", "Gesendet von meinem ", ""},
	{"de", "Gesendet mit ", ""},
	{"fr", "Envoy\xc3\xa9 de mon ", ""},
	{"fr", "Envoy\xc3\xa9 depuis mon ", ""},
	{"es", "Enviado desde mi ", ""},
	{"pt", "Enviado do meu ", ""},
	{"pt", "Enviado de meu ", ""},
	{"it", "Inviato da ", ""},
	{"nl", "Verzonden met ", ""},
	{"nl", "Verstuurd vanaf mijn ", ""},
	{"nl", "Verzonden vanaf mijn ", ""},
	{"da/nb", "Sendt fra min ", ""},
	{"sv", "Skickat fr\xc3\xa5n min ", ""},
	{"fi", "L\xc3\xa4hetetty ", "sta"},
	{"fi", "L\xc3\xa4hetetty ", "st\xc3\xa4"},
	{"pl", "Wys\xc5\x82" "ane z mojego ", ""},
	{"pl", "Wys\xc5\x82" "ane z ", ""},
	{"cs", "Odesl\xc3\xa1no z ", ""},
	{"ru", "\xd0\x9e\xd1\x82\xd0\xbf\xd1\x80\xd0\xb0\xd0\xb2\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xbe \xd1\x81 ", ""},
	{"uk", "\xd0\x9d\xd0\xb0\xd0\xb4\xd1\x96\xd1\x81\xd0\xbb\xd0\xb0\xd0\xbd\xd0\xbe \xd0\xb7 ", ""},
	{"tr", "", "dan g\xc3\xb6nderildi"},
	{"tr", "", "den g\xc3\xb6nderildi"},
	{"ja", "", "\xe3\x81\x8b\xe3\x82\x89\xe9\x80\x81\xe4\xbf\xa1"},
	{"zh", "\xe5\x8f\x91\xe8\x87\xaa\xe6\x88\x91\xe7\x9a\x84", ""},
	{"zh-TW", "\xe5\xbe\x9e\xe6\x88\x91\xe7\x9a\x84", ""},
	{"ko", "", "\xec\x97\x90\xec\x84\x9c \xeb\xb3\xb4\xeb\x83\x84"},
	{"vi", "G\xe1\xbb\xad" "i t\xe1\xbb\xab ", ""},
};
/* clang-format on */
const size_t trim_ntaglines = sizeof(trim_taglines) / sizeof(trim_taglines[0]);

/* ---- matching ----------------------------------------------------------- */

static int lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

size_t trim_blank_len(const char *p, const char *e)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n = (size_t)(e - p);

	if (n == 0)
		return 0;
	if (u[0] == ' ' || u[0] == '\t')
		return 1;
	if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (n < 3)
		return 0;
	if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x80 && ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xaf))
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)
		return 3;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/* A blank as trim_blank_len, or the CR of a CRLF line end. */
static size_t blank_len(const unsigned char *u, size_t n)
{
	if (n > 0 && u[0] == '\r')
		return 1;
	return trim_blank_len((const char *)u, (const char *)u + n);
}

void trim_lang_norm(const char *p, const char *e, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)p, *ue = (const unsigned char *)e;
	bool space = false;

	buf_reset(out);
	while (u < ue) {
		size_t k = blank_len(u, (size_t)(ue - u));

		if (k) {
			space = out->len > 0;
			u += k;
			continue;
		}
		/* full-width colon U+FF1A */
		bool colon = *u == ':' ||
			     (ue - u >= 3 && u[0] == 0xef && u[1] == 0xbc && u[2] == 0x9a);
		if (space && !colon)
			buf_addc(out, ' ');
		space = false;
		if (colon) {
			buf_addc(out, ':');
			u += *u == ':' ? 1 : 3;
		} else if (*u == '-' && u + 1 < ue && u[1] == '-') {
			while (u < ue && *u == '-')
				u++;
			buf_adds(out, "--");
		} else {
			buf_addc(out, (char)lc(*u));
			u++;
		}
	}
	if (out->p == NULL)
		buf_adds(out, "");
}

/* Compares n[0..len) with table string s (ASCII case folded, blanks before
 * a colon in s ignored). */
static bool eq_at(const char *n, size_t len, const char *s)
{
	size_t i = 0;

	for (; *s; s++) {
		if (*s == ' ' && s[1] == ':')
			continue;
		if (i == len || n[i] != (char)lc((unsigned char)*s))
			return false;
		i++;
	}
	return i == len;
}

/* Normalised length of table string s. */
static size_t tlen(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (!(*s == ' ' && s[1] == ':'))
			n++;
	return n;
}

static bool has_digit(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= '0' && p[i] <= '9')
			return true;
	return false;
}

static bool has_addr(const char *p, size_t n)
{
	const char *at = memchr(p, '@', n);

	return at && memchr(p, '<', (size_t)(at - p)) && memchr(at, '>', n - (size_t)(at - p));
}

bool trim_lang_attr(const struct trim_attr_tpl *t, const char *n, size_t len)
{
	size_t hl = tlen(t->head), tl = tlen(t->tail);

	/* an attribution is one (possibly re-joined) line, not a paragraph */
	if (len > 400 || len < hl + tl + 1)
		return false;
	if (!eq_at(n, hl, t->head) || !eq_at(n + len - tl, tl, t->tail))
		return false;
	const char *mid = n + hl;
	size_t ml = len - hl - tl;

	if (t->mid) {
		size_t xl = tlen(t->mid);
		bool found = false;

		for (size_t i = 0; !found && i + xl <= ml; i++)
			found = eq_at(mid + i, xl, t->mid) && i > 0;
		if (!found)
			return false;
	}
	if ((t->flags & TRIM_TPL_DIGIT) && !has_digit(mid, ml))
		return false;
	if ((t->flags & TRIM_TPL_ADDR) && !has_addr(mid, ml))
		return false;
	/* a weak form names someone: a few words, not a sentence */
	if (hl == 0 && !(t->flags & (TRIM_TPL_DIGIT | TRIM_TPL_ADDR)) &&
	    (ml > 120 || memchr(mid, '.', ml) != NULL || memchr(mid, '?', ml) != NULL ||
	     memchr(mid, '!', ml) != NULL) &&
	    !has_addr(mid, ml))
		return false;
	return true;
}

bool trim_lang_tagline(const char *n, size_t len)
{
	if (len > 80)
		return false;
	for (size_t i = 0; i < trim_ntaglines; i++) {
		const struct trim_tagline *t = &trim_taglines[i];
		size_t pl = tlen(t->prefix), sl = tlen(t->suffix);

		if (len < pl + sl + 1)
			continue;
		/* a device or app name, not a sentence ("Sent from my desk, is
		 * much easier ...") */
		const char *m = n + pl;
		size_t ml = len - pl - sl;

		if (ml > 40 || memchr(m, ',', ml) || (ml > 1 && memchr(m, '.', ml - 1)))
			continue;
		if (eq_at(n, pl, t->prefix) && eq_at(n + len - sl, sl, t->suffix))
			return true;
	}
	return false;
}

bool trim_lang_dashed(const struct trim_marker *m, size_t count, const char *n, size_t len)
{
	if (len < 5 || memcmp(n, "--", 2) != 0 || memcmp(n + len - 2, "--", 2) != 0)
		return false;
	n += 2;
	len -= 4;
	if (len && *n == ' ')
		n++, len--;
	if (len && n[len - 1] == ' ')
		len--;
	for (size_t i = 0; i < count; i++)
		if (eq_at(n, len, m[i].text))
			return true;
	return false;
}

bool trim_lang_line(const struct trim_marker *m, size_t count, const char *n, size_t len)
{
	for (size_t i = 0; i < count; i++)
		if (eq_at(n, len, m[i].text))
			return true;
	return false;
}

const char *trim_lang_label(const char *p, const char *e, bool *dated)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '*'))
		p++;
	for (size_t i = 0; i < trim_nlabels; i++) {
		const char *l = trim_labels[i].label, *q = p;

		for (; *l && q < e; l++, q++)
			if (lc((unsigned char)*q) != lc((unsigned char)*l))
				break;
		if (*l)
			continue;
		while (q < e && (*q == ' ' || *q == '\t' || *q == '*'))
			q++;
		if (q < e && *q == ':') {
			*dated = trim_labels[i].dated;
			return q + 1;
		}
		if (e - q >= 3 && !memcmp(q, "\xef\xbc\x9a", 3)) {
			*dated = trim_labels[i].dated;
			return q + 3;
		}
	}
	return NULL;
}
