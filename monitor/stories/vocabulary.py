"""The bilingual words a story is recognised by: laws, authorities, courts, companies, places
and the common words of platform news, each spelled the ways German and English reports
write it, mapped to one token.

A German and an English report of one story share few words: names and numbers, and the
things this table knows are the same ("Bußgeld" and "fine", "EuGH" and "CJEU", "DSGVO" and
"GDPR"). Texts are folded first (monitor.watch.text.fold: lower case, umlauts spelled
out), so the forms here are written folded.

One line per token: ``token | form; form; ...``, continued on indented lines. A form is a word, a phrase of several
words, ``*ending`` for the head of a German compound ("Rekordstrafe", "Bußgeldverfahren")
or ``start*`` for its first part ("Datenschutzverstoß"). The token's first character is
its kind, which sets how much a shared token says about the story (see KINDS):

    @  a company or platform the story is about (two reports about different ones are
       two stories); `PARTY_GROUPS` says which belong to one owner
    #  a law, an authority, a court or an institution
    +  a specific subject (age verification, hashtags, usernames)
    ~  a common word of the trade (fine, lawsuit, test, launch): says little alone
    !  a place
"""

from __future__ import annotations

from functools import cache

from classifiers.labels import PLATFORMS

# kind -> weight of a shared token of that kind, before rarity (IDF) and position (title/summary)
KINDS = {"@": 0.3, "#": 1.2, "+": 1.0, "~": 0.3, "!": 0.5}

_TABLE = """
@meta | meta; metas; meta platforms; facebook-konzern; facebook-mutter; meta-konzern; meta-chef; zuckerberg;
    zuckerbergs
@facebook | facebook; facebooks; fb
@instagram | instagram; instagrams; insta; ig
@threads | threads
@whatsapp | whatsapp; whatsapps
@messenger | facebook messenger; messenger-app
@linkedin | linkedin; linkedins
@xing | xing
@tiktok | tiktok; tiktoks; tik tok
@bytedance | bytedance; bytedances
@youtube | youtube; youtubes; youtuber
@google | google; googles; alphabet; alphabets
@x | twitter; x corp; x.com; xai
@pinterest | pinterest
@snapchat | snapchat; snapchats; snap inc; snap; snaps
@reddit | reddit; reddits; subreddit; subreddits
@bluesky | bluesky; bsky
@mastodon | mastodon; fediverse; fediversum
@telegram | telegram
@twitch | twitch
@apple | apple; apples; app store; iphone; ios
@amazon | amazon; amazons
@microsoft | microsoft; microsofts
@openai | openai; chatgpt
@anthropic | anthropic; claude
@temu | temu; temus
@aliexpress | aliexpress; alibaba
@shein | shein
@zalando | zalando
@spotify | spotify
@netflix | netflix
@discord | discord
@roblox | roblox
@perplexity | perplexity
@oracle | oracle
@pornhub | pornhub; aylo
@booking | booking.com; booking
@vinted | vinted
@ebay | ebay
@nvidia | nvidia
@samsung | samsung

#dsa | dsa; digital services act; gesetz ueber digitale dienste; digitale-dienste-gesetz; ddg; dienste-gesetz
#dma | dma; digital markets act; gesetz ueber digitale maerkte; digitale-maerkte-gesetz
#gdpr | gdpr; dsgvo; ds-gvo; general data protection regulation; datenschutz-grundverordnung;
    datenschutzgrundverordnung; rgpd
#aiact | ai act; ai-act; ki-verordnung; ki-vo; ai-verordnung; ki-gesetz; artificial intelligence act; eu ai act;
    ki-gesetzes
#dfa | digital fairness act; dfa; fairness act
#uwg | uwg; gesetz gegen den unlauteren wettbewerb; unfair competition act
#netzdg | netzdg; netzwerkdurchsetzungsgesetz; network enforcement act
#tdddg | tdddg; ttdsg
#mstv | mstv; medienstaatsvertrag; jmstv; jugendmedienschutz-staatsvertrag
#eprivacy | eprivacy; e-privacy
#dataact | data act
#emfa | emfa; media freedom act; medienfreiheitsgesetz
#ttpa | political advertising; politische werbung; ttpa
#chatcontrol | chat control; chatkontrolle; csam regulation; csa-verordnung
#kosa | kosa; kids online safety act
#coppa | coppa
#section230 | section 230
#osa | online safety act; osa
#copyright | copyright; urheberrecht; urheberrechts; urhg; urheberrechtsrichtlinie; copyright directive;
    *urheberrecht
#bfsg | bfsg; barrierefreiheitsstaerkungsgesetz; accessibility act
#commission | commission; european commission; eu commission; eu-kommission; kommission; eu executive; bruessel;
    brussels; eu-kommissarin; eu-kommissar; kommissarin; commissioner
#parliament | european parliament; eu-parlament; europaparlament; parliament; parlament
#council | council of the eu; eu-rat; ministerrat
#cjeu | cjeu; ecj; eugh; court of justice; european court of justice; europaeischer gerichtshof;
    europaeische gerichtshof; europaeischen gerichtshof; europaeischen gerichtshofs; luxembourg; luxemburg
#generalcourt | general court; eug; gericht der eu
#bgh | bgh; bundesgerichtshof; federal court of justice; germany's top court; german top court; karlsruhe
#bverfg | bverfg; bundesverfassungsgericht; federal constitutional court; constitutional court; verfassungsgericht
#olg | olg; oberlandesgericht; higher regional court
#lg | lg; landgericht; regional court
#kg | kg; kammergericht
#ag | amtsgericht; local court
#ovg | ovg; oberverwaltungsgericht; vg; verwaltungsgericht; administrative court
#supremecourt | supreme court; oberster gerichtshof; supreme-court
#dpc | dpc; data protection commission; irish data protection commission; datenschutzkommission;
    irische datenschutzbehoerde; irish regulator; irish privacy regulator; irish privacy watchdog; irish watchdog
#dpa | data protection authority; datenschutzbehoerde; privacy regulator; privacy watchdog; datenschutzbeauftragte;
    datenschutzbeauftragter; data protection regulator; autoriteit persoonsgegevens; cnil; garante; ico; bfdi;
    aufsichtsbehoerde; datenschuetzer
#edpb | edpb; european data protection board; edsa; europaeischer datenschutzausschuss
#cartel | bundeskartellamt; kartellamt; federal cartel office; cartel office; german competition authority;
    antitrust watchdog; wettbewerbshueter; bundeskartellamts; kartellamts
#bnetza | bundesnetzagentur; federal network agency; bnetza
#ftc | ftc; federal trade commission
#fcc | fcc; federal communications commission
#ofcom | ofcom
#esafety | esafety; esafety commissioner
#vzbv | vzbv; verbraucherzentrale; verbraucherzentralen; verbraucherzentrale bundesverband;
    federation of german consumer organisations; consumer groups; beuc
#noyb | noyb
#kjm | kjm; kommission fuer jugendmedienschutz; landesmedienanstalt; landesmedienanstalten; medienanstalt;
    medienanstalten
#bundestag | bundestag; bundesrat; bundesregierung; german government
#congress | congress; kongress; senate; senat
#whitehouse | white house; weisses haus; executive order; dekret
#un | united nations; vereinte nationen; uno

!eu | eu; european union; europaeische union; europe; europa; europaeischen union; europaeische; european;
    europaeisch; eu-weit; eu-wide; eea; ewr
!de | germany; deutschland; german; deutsche; deutschen; deutscher; bundesweit
!at | austria; oesterreich; austrian; oesterreichische; oesterreichischen
!ch | switzerland; schweiz; swiss; schweizer
!ie | ireland; irland; irish; irische; irischen; dublin
!fr | france; frankreich; french; franzoesische; franzoesischen
!it | italy; italien; italian; italienische
!es | spain; spanien; spanish; spanische
!nl | netherlands; niederlande; dutch; niederlaendische; niederlaendischen
!dk | denmark; daenemark; danish; daenische; daenischen; kopenhagen; copenhagen
!pl | poland; polen; polish
!uk | uk; united kingdom; britain; grossbritannien; british; britische; britischen; england; london
!us | usa; u.s.; united states; vereinigte staaten; american; amerikanische; amerikanischen; us-amerikanische;
    washington; us-
!ca | canada; kanada; canadian
!au | australia; australien; australian; australische; australischen; australier; canberra
!br | brazil; brasilien; brazilian
!in | india; indien; indian; indische
!cn | china; chinese; chinesische; chinesischen; peking; beijing
!ru | russia; russland; russian; russische
!tr | turkey; tuerkei; turkish
!jp | japan; japanese
!kr | south korea; suedkorea
!ca-state | california; kalifornien
!tx | texas
!ny | new york
!ms | mississippi
!ut | utah
!fl | florida

!berlin | berlin; berliner; berlins
!hamburg | hamburg; hamburger; hamburgs
!muenchen | muenchen; munich; muenchner; munich's
!koeln | koeln; cologne; koelner
!frankfurt | frankfurt; frankfurter
!duesseldorf | duesseldorf; duesseldorfer; dusseldorf
!stuttgart | stuttgart; stuttgarter
!leipzig | leipzig; leipziger
!nuernberg | nuernberg; nuremberg; nuernberger
!hannover | hannover; hanover
!bremen | bremen
!dresden | dresden
!mannheim | mannheim
!bonn | bonn
!kiel | kiel
!schleswig | schleswig
!muenster | muenster
!koblenz | koblenz
!bamberg | bamberg
!wien | wien; vienna
!paris | paris
!amsterdam | amsterdam

~fine | fine; fines; fined; penalty; penalties; penalised; penalized; sanction; sanctions; strafe; strafen;
    geldstrafe; bussgeld; bussgelder; geldbusse; strafzahlung; sanktion; sanktionen; bestraft; bestraf*; *strafe;
    *bussgeld; *geldbusse; verhaengt; verhaengen; slapped; slaps
~lawsuit | lawsuit; lawsuits; sues; sued; suing; sue; suit; klage; klagen; klagt; verklagt; verklagen; geklagt;
    *klage; klageschrift; mitbeklagt; complaint; complaints; beschwerde; beschwerden; *beschwerde; litigation
+classaction | class action; sammelklage; verbandsklage; massenklage; *sammelklage
~proceedings | proceedings; proceeding; investigation; investigations; investigate; investigates; probe; probes;
    probing; inquiry; verfahren; *verfahren; untersuchung; untersucht; untersuchen; ermittlung; ermittlungen;
    ermittelt; pruefverfahren
~ruling | ruling; ruled; judgment; judgement; verdict; urteil; urteile; urteilt; *urteil; entschieden; entscheidung;
    entscheidet; decision; decided; judge; judges; richter; richterin; gericht; court; courts; gerichtshof
~ban | ban; bans; banned; banning; prohibit; prohibits; prohibition; barred; verbot; verbote; verbietet; verbieten;
    verboten; *verbot; untersagt; untersagen
~block | block; blocks; blocked; blocking; sperre; sperrt; sperren; gesperrt; blockiert; blockieren; *sperre;
    blockierfunktion
~law | law; laws; legislation; bill; act; gesetz; gesetze; gesetzes; *gesetz; gesetzentwurf; regulation;
    regulations; verordnung; *verordnung; rules; regeln; vorschriften; directive; richtlinie
+guidelines | guidelines; guideline; guidance; leitlinien; leitfaden; code of practice; verhaltenskodex;
    code of conduct
+terms | terms of service; terms of use; user agreement; nutzungsbedingungen; nutzungsvereinbarung; agb; terms
+privacypolicy | privacy policy; privacy notice; datenschutzerklaerung; datenschutzrichtlinie; datenschutzhinweise
+privacy | privacy; data protection; datenschutz; datenschutz*; *datenschutz; privatsphaere
+consent | consent; einwilligung; zustimmung; zustimmen; opt out; opt-out; widerspruch; widersprechen; widerspricht;
    widersprecht
+personaldata | personal data; user data; personenbezogene daten; personenbezogener daten; nutzerdaten; profildaten;
    member data; mitgliederdaten
~data | data; daten; *daten
+aitraining | training; train; trained; trainieren; trainiert; trainingsdaten; training data; ki-training;
    ai training
~ai | ai; ki; artificial intelligence; kuenstliche intelligenz; generative ai; generative ki; generativer ki;
    ki-modelle; ai models; ki-modellen; ai-powered; chatbot; chatbots; ki-chatbots
+minors | children; child; kids; minors; minor; teens; teen; teenagers; teenager; young people; youth; kinder;
    kindern; kindes; jugendliche; jugendlichen; minderjaehrige; minderjaehrigen; jugendschutz; jugendschutz*;
    kinderschutz; child safety; child protection; under-16s; under-15s; unter 16-jaehrige; teen-accounts;
    teen accounts; jugendkonten; teenager-accounts; teen-konten
+ageverification | age verification; age checks; age check; age assurance; verify ages; verify age;
    altersverifikation; altersverifizierung; alterspruefung; alterskontrolle; altersnachweis; altersschaetzung;
    age estimation
+agelimit | minimum age; age limit; mindestalter; altersgrenze
~ads | ads; ad; advertising; advertisers; advertiser; advertisements; werbung; anzeigen; werbeanzeigen;
    werbetreibende; werbungtreibende; *werbung; werbe*; ad-supported; targeted advertising; personalised ads;
    personalized ads; personalisierte werbung
+adrepository | ad repository; ad library; advertising repository; werbearchiv; werbebibliothek
+transparency | transparency; transparent; transparenz; transparenzpflichten
+disinformation | disinformation; misinformation; fake news; desinformation; falschinformationen; falschinformation;
    falschmeldungen
+factcheck | fact-checking; fact checking; fact-checkers; fact checkers; fact-checks; faktenchecks; faktencheck;
    faktenchecker; faktenpruefer; faktencheck-programm
+communitynotes | community notes; community-notes
+hatespeech | hate speech; hassrede; hass; hetze; hasskommentare
+illegalcontent | illegal content; rechtswidrige inhalte; illegale inhalte; illegal products; illegale produkte
~moderation | moderation; content moderation; moderators; moderationsregeln; moderatoren
+election | election; elections; wahl; wahlen; *wahl; election integrity
+antitrust | antitrust; competition; kartell*; wettbewerb; wettbewerbs*; *wettbewerb; anticompetitive; monopoly;
    monopol; dominance; dominant; marktbeherrschend; marktbeherrschenden; marktmacht; abused; abuse; missbrauch;
    missbraucht
+gatekeeper | gatekeeper; gatekeepers; torwaechter
+verification | verification; verified; verify; checkmark; checkmarks; blue check; blue checks; verifizierung;
    verifiziert; verifizieren; haekchen; haken; verifikation
~subscription | subscription; subscriptions; subscribe; abo; abos; abonnement; abonnements; *abo; paid;
    kostenpflichtig; kostenpflichtige; kostenpflichtiges; bezahl*
+adfree | ad-free; werbefrei; werbefreies; werbefreie; without ads; ohne werbung; no ads
+payorconsent | pay or consent; pay-or-consent; consent or pay; pay or okay; pay or ok; bezahlen oder zustimmen
+username | username; usernames; user name; handle; nutzername; nutzernamen; benutzername; benutzernamen
+phonenumber | phone number; telefonnummer; handynummer; rufnummer
~messages | messages; message; direct messages; dms; dm; messaging; nachrichten; direktnachrichten; chats; chat;
    private nachrichten; inmail
~comments | comments; comment; kommentare; kommentar; kommentieren; *kommentare
~posts | posts; post; beitraege; beitrag; postings; *beitraege
+algorithm | algorithm; algorithms; algorithmus; algorithmen; ranking; recommendation; recommendations; recommender;
    empfehlungen; empfehlungsalgorithmus
~reach | reach; reichweite; *reichweite; visibility; sichtbarkeit
+hashtags | hashtags; hashtag; schlagworte
+repost | repost; reposts; reposting; reposten; repost-button
+map | map; karte; kartenfunktion; map-funktion; standort; standorte; location; standortfreigabe
~live | live; livestream; livestreams; live-stream; going live
~creator | creators; creator; ersteller; youtuber; influencer; influencern; influencerinnen
+monetization | monetization; monetisation; revenue sharing; monetarisierung; umsatzbeteiligung
~shop | shop; shopping; e-commerce; onlinehandel; social commerce; einkaufen; marketplace; marktplatz;
    onlinemarktplatz; handelsplattform; *marktplatz
+community | communities; community; gruppen; groups; themenraeume
~channel | channels; channel; kanaele; kanal; *kanal; *kanaele
~stories | stories; story; status
~video | video; videos; clips; clip; kurzvideos; kurzvideo; *video; *videos; vertical video; short-form video
~photos | photos; photo; images; image; pictures; fotos; bilder; bild; *bilder
+carousel | carousel; carousels; karussell; karussells
+translation | translation; translations; translate; uebersetzung; uebersetzen; uebersetzt
~search | search; suche; *suche; suchmaschine; search engine
~account | account; accounts; konto; konten; profile; profil; profiles; *konto; *konten
~test | test; tests; testing; tested; testet; testen; erprobt; experiment; pilot; pilotprogramm
~launch | launch; launches; launched; rolls out; rolling out; rollout; introduces; introduced; starts; startet;
    start; fuehrt ein; einfuehrung; bringt; available; verfuegbar; neue funktion; new feature; feature; funktion;
    adds; expands; erweitert; ausgeweitet; weitet
~end | shuts down; shut down; discontinue; discontinues; ends; ending; retire; retires; einstellen; stellt ein;
    eingestellt; abgeschaltet; schaltet ab; aus fuer; abschaffen; schafft ab; removes; entfernt; scraps
~change | update; updates; change; changes; aenderung; aenderungen; aendert; neuerung; neuerungen
~users | users; user; nutzer; nutzerinnen; nutzende; members; mitglieder; people; menschen
+businesspages | company pages; business pages; unternehmensseiten; unternehmensprofil; unternehmensprofile
+appeal | appeal; appeals; appealed; berufung; einspruch; rechtsmittel; anfechten; annul
+deadline | deadline; frist; fristen; by the end of; bis spaetestens
+damages | damages; compensation; schadensersatz; schadenersatz; entschaedigung
+scraping | scraping; scraped; scraper; scrapers; data scraping; datenleck; data leak; leak
+deepfakes | deepfake; deepfakes; nudify; sexualised images; sexualized images
+darkpatterns | dark patterns; dark pattern; manipulative design; manipulative designs; addictive design;
    suchterzeugendes design; suchtfoerdernde
+researchers | researchers; researcher; forschende; forscher; wissenschaftler; data access; datenzugang
+ageappropriate | nudity; nacktheit
+thumbnail | thumbnail; thumbnails; vorschaubild; vorschaubilder
+storage | storage; speicher; speicherplatz; *speicher; gigabyte; gb
+plugins | plugin; plugins; social plugins; like button; like-button; gefaellt-mir-button
+jointventure | joint venture; gemeinschaftsunternehmen
+earnings | revenue; earnings; quarter; quartal; umsatz; *umsatz; jahresumsatz; turnover; profit; gewinn
+price | price; prices; preis; preise; teurer; pricing; preiserhoehung
+accessibility | accessibility; barrierefreiheit
+imprint | impressum; impressumspflicht
+labels | label; labels; labelling; labeling; kennzeichnung; kennzeichnet; kennzeichnen; markiert
"""

# Owners of several platforms: reports about different platforms of one owner may be one
# story ("Meta" in one, "Instagram" in another), reports about different owners are not.
PARTY_GROUPS = {
    "@facebook": "meta", "@instagram": "meta", "@threads": "meta", "@whatsapp": "meta", "@messenger": "meta",
    "@meta": "meta", "@youtube": "google", "@google": "google", "@tiktok": "bytedance", "@bytedance": "bytedance",
    "@linkedin": "microsoft", "@microsoft": "microsoft", "@aliexpress": "alibaba", "@openai": "openai",
}

# The apps of owners with several, and the owners: a report naming only Threads and one naming only
# Facebook Groups are two stories, one naming Meta may be either.
OWNERS = frozenset({"@" + owner for owner in PARTY_GROUPS.values()})
OWNED = frozenset(PARTY_GROUPS) | OWNERS

# Courts: rulings of two different courts are two stories, and so are rulings of one kind of court in two
# cities ("LG Berlin", "LG Köln"); "AG München" is the local court where "AG" stands before a city.
COURTS = frozenset({"#cjeu", "#generalcourt", "#bgh", "#bverfg", "#olg", "#lg", "#kg", "#ag", "#ovg", "#supremecourt"})
CITIES = frozenset({"!berlin", "!hamburg", "!muenchen", "!koeln", "!frankfurt", "!duesseldorf", "!stuttgart",
                    "!leipzig", "!nuernberg", "!hannover", "!bremen", "!dresden", "!mannheim", "!bonn", "!kiel",
                    "!schleswig", "!muenster", "!koblenz", "!bamberg", "!wien", "!paris", "!amsterdam"})

# Who acts: two reports whose titles name different authorities, complainants or lawmakers acting (the
# Bundeskartellamt, the Commission) are two stories, unless one report names both. The generic data
# protection authority is any of the specific ones, which English reports often name that way.
ACTORS = frozenset({"#commission", "#parliament", "#council", "#dpc", "#dpa", "#edpb", "#cartel", "#bnetza", "#ftc",
                    "#fcc", "#ofcom", "#esafety", "#vzbv", "#noyb", "#kjm", "#bundestag", "#congress", "#whitehouse"})
ACTOR_GROUPS = {"#dpc": "#dpa"}

# Countries, as opposed to regions, states and cities: titles naming two different countries acting
# ("Spain orders X", "Poland tells X") are two stories.
COUNTRIES = frozenset({"!de", "!at", "!ch", "!ie", "!fr", "!it", "!es", "!nl", "!dk", "!pl", "!uk", "!us", "!ca", "!au",
                       "!br", "!in", "!cn", "!ru", "!tr", "!jp", "!kr"})

# The country an authority or court belongs to: "DPC" in one report is "Ireland" in another.
SEATS = {"#dpc": "!ie", "#cartel": "!de", "#bnetza": "!de", "#vzbv": "!de", "#kjm": "!de", "#bundestag": "!de",
         "#bgh": "!de", "#bverfg": "!de", "#olg": "!de", "#lg": "!de", "#kg": "!de", "#ag": "!de", "#ftc": "!us",
         "#fcc": "!us", "#congress": "!us", "#whitehouse": "!us", "#ofcom": "!uk", "#osa": "!uk", "#esafety": "!au",
         "#netzdg": "!de", "#uwg": "!de", "#tdddg": "!de", "#mstv": "!de", "#kosa": "!us", "#coppa": "!us",
         "#section230": "!us"}

# Words of a round-up of the week's news: a round-up is not the story of any one item it lists.
ROUNDUP = frozenset({"wochenrueckblick", "rueckblick", "wochenschau", "wochenueberblick", "roundup", "round-up",
                     "kw"})
ROUNDUP_PHRASES = ("der woche", "this week in", "week in review", "weekly round", "news roundup", "was diese woche",
                   "die woche bei", "the week in", "in kw")

# The platforms and their owners: shared, they set the scene of a story but do not tell it.
SETTING = frozenset({"@" + code for code in PLATFORMS} | set(PARTY_GROUPS))

NUMBER_WORDS = {
    "zwei": 2, "drei": 3, "vier": 4, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
    "elf": 11, "zwoelf": 12, "zwanzig": 20, "dreissig": 30, "fuenfzig": 50, "hundert": 100,
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100,
}

MONTHS = {
    "januar": 1, "january": 1, "jan": 1, "jaenner": 1, "februar": 2, "february": 2, "feb": 2, "maerz": 3,
    "march": 3, "mar": 3, "april": 4, "apr": 4, "mai": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7,
    "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "october": 10,
    "oct": 10, "okt": 10, "november": 11, "nov": 11, "dezember": 12, "december": 12, "dec": 12, "dez": 12,
}


class Vocabulary:
    """The table, indexed for lookups by word, by phrase and by compound part."""

    def __init__(self, table: str = _TABLE) -> None:
        self.words: dict[str, str] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}   # first word -> (words, token)
        self.endings: dict[str, str] = {}
        self.starts: dict[str, str] = {}
        token = ""
        for line in table.strip().splitlines():
            if not line.strip():
                continue
            if line[0].isspace():               # more forms of the token above
                forms = line
            else:
                token, forms = (part.strip() for part in line.split("|", 1))
            for form in (f.strip() for f in forms.split(";")):
                if form:
                    self._add(token, form)
        for entries in self.phrases.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def _add(self, token: str, form: str) -> None:
        if form.startswith("*"):
            self.endings.setdefault(form[1:], token)
        elif form.endswith("*"):
            self.starts.setdefault(form[:-1], token)
        elif " " in form:
            words = tuple(form.split())
            self.phrases.setdefault(words[0], []).append((words, token))
        else:
            self.words.setdefault(form, token)

    def compound(self, word: str) -> tuple[str, ...]:
        """Tokens of a German compound's known head and first part ("rekordstrafe" -> ~fine)."""
        found: list[str] = []
        size = len(word)
        for cut in range(3, size - 3):
            head = self.endings.get(word[cut:])
            if head:
                found.append(head)
                break
        for cut in range(size - 3, 3, -1):
            start = self.starts.get(word[:cut])
            if start:
                found.append(start)
                break
        return tuple(dict.fromkeys(found))


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary()
