/*
 * schema_table.c - the FollowTheMoney schemata as one static data table.
 *
 * Names, types, ranges and inheritance follow the FtM schema definitions
 * (the YAML files in followthemoney/schema/) so that FtM JSON written by
 * other tools imports without translation. Where liaison needs more than FtM defines
 * (Passport.mrz, Identification.issueDate/expiryDate), the extension is
 * marked in a comment. Labels are English, for people.
 *
 * Each schema lists only the properties it declares itself; schema.c walks
 * the `extends` chain. The table must stay sorted by name: schema_get()
 * binary-searches it and the unit tests check the order.
 */
#include "model/schema_table.h"

/* P: a property of a plain type; M: the same but used by screening. */
#define P(n, l, t) { n, l, PTYPE_##t, NULL, false }
#define M(n, l, t) { n, l, PTYPE_##t, NULL, true }
/* E: a link to an entity of schema r. */
#define E(n, l, r) { n, l, PTYPE_ENTITY, r, false }
#define PROPS(a) a, sizeof(a) / sizeof(a[0])
#define EXTENDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_PARENT ((const char *const[]){ NULL })

static const struct schema_prop thing_props[] = {
	M("name", "Name", NAME),
	P("summary", "Summary", TEXT),
	P("description", "Description", TEXT),
	M("country", "Country", COUNTRY),
	M("alias", "Other name", NAME),
	M("previousName", "Previous name", NAME),
	P("weakAlias", "Weak alias", NAME),
	P("sourceUrl", "Source link", URL),
	P("publisher", "Publishing source", STRING),
	P("publisherUrl", "Publishing source URL", URL),
	P("alephUrl", "Aleph URL", URL),
	P("wikipediaUrl", "Wikipedia article", URL),
	M("wikidataId", "Wikidata ID", IDENTIFIER),
	P("keywords", "Keywords", STRING),
	P("topics", "Topics", TOPIC),
	P("address", "Address", ADDRESS),
	E("addressEntity", "Address", "Address"),
	P("program", "Program", STRING),
	P("notes", "Notes", TEXT),
	E("proof", "Source document", "Thing"),
	P("indexText", "Index text", TEXT),
	P("createdAt", "Created at", DATE),
	P("modifiedAt", "Modified on", DATE),
	P("retrievedAt", "Retrieved on", DATE),
};

static const struct schema_prop value_props[] = {
	P("amount", "Amount", NUMBER),
	P("currency", "Currency", STRING),
	P("amountUsd", "Amount in USD", NUMBER),
	P("amountEur", "Amount in EUR", NUMBER),
};

static const struct schema_prop interval_props[] = {
	P("startDate", "Start date", DATE),
	P("endDate", "End date", DATE),
	P("date", "Date", DATE),
	P("summary", "Summary", TEXT),
	P("description", "Description", TEXT),
	P("recordId", "Record ID", STRING),
	P("sourceUrl", "Source link", URL),
	P("publisher", "Publishing source", STRING),
	P("publisherUrl", "Publishing source URL", URL),
	P("modifiedAt", "Modified on", DATE),
	P("retrievedAt", "Retrieved on", DATE),
	P("indexText", "Index text", TEXT),
	E("proof", "Source document", "Thing"),
	P("namesMentioned", "Detected names", NAME),
};

static const struct schema_prop analyzable_props[] = {
	P("detectedLanguage", "Detected language", LANGUAGE),
	P("detectedCountry", "Detected country", COUNTRY),
	P("namesMentioned", "Detected names", NAME),
	E("peopleMentioned", "Detected people", "Person"),
	E("companiesMentioned", "Detected companies", "Company"),
	P("ibanMentioned", "Detected IBANs", IBAN),
	P("ipMentioned", "Detected IP addresses", IP),
	P("locationMentioned", "Detected locations", ADDRESS),
	P("phoneMentioned", "Detected phones", PHONE),
	P("emailMentioned", "Detected e-mail addresses", EMAIL),
};

static const struct schema_prop address_props[] = {
	P("full", "Full address", ADDRESS),
	P("remarks", "Remarks", TEXT),
	P("postOfficeBox", "PO Box", STRING),
	P("street", "Street address", STRING),
	P("street2", "Street address (ctd.)", STRING),
	P("city", "City", STRING),
	P("postalCode", "Postal code", STRING),
	P("region", "Region", STRING),
	P("state", "State", STRING),
	P("latitude", "Latitude", NUMBER),
	P("longitude", "Longitude", NUMBER),
	P("googlePlaceId", "Google Places ID", IDENTIFIER),
	P("osmId", "OpenStreetMap Place ID", IDENTIFIER),
};

static const struct schema_prop legal_entity_props[] = {
	M("email", "E-Mail", EMAIL),
	M("phone", "Phone", PHONE),
	P("website", "Website", URL),
	P("legalForm", "Legal form", STRING),
	M("incorporationDate", "Incorporation date", DATE),
	P("dissolutionDate", "Dissolution date", DATE),
	P("taxStatus", "Tax status", STRING),
	P("status", "Status", STRING),
	P("sector", "Sector", STRING),
	P("classification", "Classification", STRING),
	M("registrationNumber", "Registration number", IDENTIFIER),
	M("idNumber", "ID number", IDENTIFIER),
	M("taxNumber", "Tax number", IDENTIFIER),
	M("vatCode", "V.A.T. identifier", IDENTIFIER),
	M("jurisdiction", "Jurisdiction", COUNTRY),
	M("mainCountry", "Country of origin", COUNTRY),
	P("opencorporatesUrl", "OpenCorporates URL", URL),
	M("bvdId", "Bureau van Dijk ID", IDENTIFIER),
	P("icijId", "ICIJ ID", STRING),
	M("okpoCode", "OKPO", IDENTIFIER),
	M("innCode", "INN", IDENTIFIER),
	M("ogrnCode", "OGRN", IDENTIFIER),
	M("leiCode", "LEI", IDENTIFIER),
	M("dunsCode", "D-U-N-S", IDENTIFIER),
	M("uniqueEntityId", "Unique Entity ID", IDENTIFIER),
	M("npiCode", "NPI", IDENTIFIER),
	M("swiftBic", "SWIFT/BIC", IDENTIFIER),
	E("parent", "Parent company", "LegalEntity"),
	E("subsidiaries", "Subsidiaries", "LegalEntity"),
	E("passport", "Passports", "Passport"),
};

static const struct schema_prop person_props[] = {
	P("title", "Title", STRING),
	P("firstName", "First name", STRING),
	P("secondName", "Second name", STRING),
	P("middleName", "Middle name", STRING),
	P("fatherName", "Patronymic", STRING),
	P("motherName", "Matronymic", STRING),
	P("lastName", "Last name", STRING),
	P("nameSuffix", "Name suffix", STRING),
	M("birthDate", "Birth date", DATE),
	P("birthPlace", "Place of birth", STRING),
	M("birthCountry", "Country of birth", COUNTRY),
	P("deathDate", "Death date", DATE),
	P("position", "Position", STRING),
	M("nationality", "Nationality", COUNTRY),
	M("citizenship", "Citizenship", COUNTRY),
	M("passportNumber", "Passport number", IDENTIFIER),
	M("socialSecurityNumber", "Social security number", IDENTIFIER),
	P("gender", "Gender", GENDER),
	P("ethnicity", "Ethnicity", STRING),
	P("height", "Height", NUMBER),
	P("weight", "Weight", NUMBER),
	P("eyeColor", "Eye color", STRING),
	P("hairColor", "Hair color", STRING),
	P("appearance", "Physical appearance", STRING),
	P("religion", "Religion", STRING),
	P("political", "Political association", STRING),
	P("education", "Education", STRING),
	P("spokenLanguage", "Spoken language", LANGUAGE),
};

static const struct schema_prop organization_props[] = {
	M("cageCode", "CAGE", IDENTIFIER),
	M("permId", "PermID", IDENTIFIER),
	M("imoNumber", "IMO Number", IDENTIFIER),
	M("giiNumber", "GIIN", IDENTIFIER),
};

static const struct schema_prop company_props[] = {
	P("capital", "Capital", STRING),
	M("voenCode", "VOEN", IDENTIFIER),
	P("coatoCode", "COATO / SOATO / OKATO", IDENTIFIER),
	M("irsCode", "IRS Number", IDENTIFIER),
	P("ipoCode", "IPO", IDENTIFIER),
	M("cikCode", "SEC Central Index Key", IDENTIFIER),
	M("jibCode", "JIB", IDENTIFIER),
	M("mbsCode", "MBS", IDENTIFIER),
	M("ibcRuc", "ibcRUC", IDENTIFIER),
	P("caemCode", "COD CAEM", STRING),
	P("kppCode", "KPP", IDENTIFIER),
	P("okvedCode", "OKVED(2) Classifier", STRING),
	P("okopfCode", "OKOPF", STRING),
	P("fnsCode", "Federal tax service code", IDENTIFIER),
	P("fssCode", "FSS", STRING),
	P("bikCode", "BIK", STRING),
	M("pfrNumber", "PFR Number", IDENTIFIER),
	P("oksmCode", "OKSM", STRING),
	M("isinCode", "ISIN", IDENTIFIER),
	M("ticker", "Stock ticker symbol", IDENTIFIER),
};

static const struct schema_prop vehicle_props[] = {
	M("registrationNumber", "Registration number", IDENTIFIER),
	P("type", "Type", STRING),
	P("model", "Model", STRING),
	E("owner", "Owner", "LegalEntity"),
	E("operator", "Operator", "LegalEntity"),
	P("buildDate", "Build date", DATE),
	P("registrationDate", "Registration date", DATE),
	P("deregistrationDate", "De-registration date", DATE),
};

static const struct schema_prop vessel_props[] = {
	M("imoNumber", "IMO number", IDENTIFIER),
	M("crsNumber", "CRS number", IDENTIFIER),
	M("flag", "Flag", COUNTRY),
	P("registrationPort", "Port of registration", STRING),
	P("navigationArea", "Navigation area", STRING),
	P("tonnage", "Tonnage", NUMBER),
	P("grossRegisteredTonnage", "Gross registered tonnage", NUMBER),
	P("nameChangeDate", "Date of name change", DATE),
	M("callSign", "Call sign", IDENTIFIER),
	P("pastNames", "Past names", NAME),
	P("pastFlags", "Past flags", STRING),
	P("pastTypes", "Past types", STRING),
	M("mmsi", "MMSI", IDENTIFIER),
};

static const struct schema_prop airplane_props[] = {
	M("serialNumber", "Serial number", IDENTIFIER),
	M("icaoCode", "24-bit ICAO code", IDENTIFIER),
	P("manufacturer", "Manufacturer", STRING),
};

static const struct schema_prop bank_account_props[] = {
	P("bankName", "Bank name", STRING),
	M("accountNumber", "Account number", IDENTIFIER),
	M("iban", "IBAN", IBAN),
	M("bic", "Bank identifier code", IDENTIFIER),
	E("bank", "Bank", "Company"),
	P("accountType", "Account type", STRING),
	P("balance", "Balance", NUMBER),
	P("openingDate", "Opening date", DATE),
	P("closingDate", "Closing date", DATE),
	P("maxBalance", "Maximum balance", NUMBER),
	P("maxBalanceDate", "Maximum balance date", DATE),
};

static const struct schema_prop crypto_wallet_props[] = {
	M("publicKey", "Address", IDENTIFIER),
	P("privateKey", "Private key", STRING),
	P("creationDate", "Creation date", DATE),
	P("currencySymbol", "Currency short code", STRING),
	P("managingExchange", "Managing exchange", STRING),
	E("holder", "Wallet holder", "LegalEntity"),
	P("balance", "Balance", NUMBER),
	P("balanceDate", "Balance date", DATE),
};

static const struct schema_prop identification_props[] = {
	E("holder", "Identification holder", "LegalEntity"),
	P("type", "Type", STRING),
	M("country", "Country", COUNTRY),
	M("number", "Document number", IDENTIFIER),
	P("authority", "Authority", STRING),
	/* liaison extensions: FtM keeps these in startDate/endDate. */
	P("issueDate", "Issue date", DATE),
	P("expiryDate", "Expiry date", DATE),
};

static const struct schema_prop passport_props[] = {
	M("surname", "Surname", STRING),
	M("givenName", "Given name", STRING),
	M("birthDate", "Date of birth", DATE),
	P("birthPlace", "Place of birth", STRING),
	P("gender", "Gender", GENDER),
	M("personalNumber", "Personal number", IDENTIFIER),
	/* liaison extension: the checked machine readable zone. */
	M("mrz", "Machine readable zone", MRZ),
};

static const struct schema_prop payment_props[] = {
	P("sequenceNumber", "Sequence number", STRING),
	P("transactionNumber", "Transaction number", IDENTIFIER),
	P("purpose", "Payment purpose", TEXT),
	P("programme", "Payment programme", STRING),
	E("payer", "Payer", "LegalEntity"),
	E("payerAccount", "Payer bank account", "BankAccount"),
	E("beneficiary", "Beneficiary", "LegalEntity"),
	E("beneficiaryAccount", "Beneficiary bank account", "BankAccount"),
	E("contract", "Contract", "Thing"),
	E("project", "Project", "Thing"),
};

static const struct schema_prop interest_props[] = {
	P("role", "Role", STRING),
	P("status", "Status", STRING),
};

static const struct schema_prop ownership_props[] = {
	E("owner", "Owner", "LegalEntity"),
	E("asset", "Asset", "Asset"),
	P("percentage", "Percentage held", STRING),
	P("sharesCount", "Number of shares", STRING),
	P("sharesValue", "Value of shares", STRING),
	P("sharesCurrency", "Currency of shares", STRING),
	P("sharesType", "Type of shares", STRING),
	P("legalBasis", "Legal basis", STRING),
	P("ownershipType", "Type of ownership", STRING),
};

static const struct schema_prop directorship_props[] = {
	E("director", "Director", "LegalEntity"),
	E("organization", "Organization", "Organization"),
	P("secretary", "Secretary", STRING),
};

static const struct schema_prop family_props[] = {
	E("person", "Person", "Person"),
	E("relative", "Relative", "Person"),
	P("relationship", "Relationship", STRING),
};

static const struct schema_prop associate_props[] = {
	E("person", "Person", "Person"),
	E("associate", "Associate", "Person"),
	P("relationship", "Relationship", STRING),
};

static const struct schema_prop membership_props[] = {
	E("member", "Member", "LegalEntity"),
	E("organization", "Organization", "Organization"),
};

static const struct schema_prop employment_props[] = {
	E("employee", "Employee", "Person"),
	E("employer", "Employer", "Organization"),
};

static const struct schema_prop event_props[] = {
	P("location", "Location", ADDRESS),
	P("important", "Important", STRING),
	E("organizer", "Organizer", "LegalEntity"),
	E("involved", "Involved", "LegalEntity"),
};

static const struct schema_prop note_props[] = {
	E("entity", "Entity", "Thing"),
};

static const struct schema_prop sanction_props[] = {
	E("entity", "Entity", "Thing"),
	P("authority", "Authority", STRING),
	P("authorityId", "Authority-issued identifier", IDENTIFIER),
	P("unscId", "UN SC identifier", IDENTIFIER),
	P("program", "Program", STRING),
	P("programId", "Program ID", IDENTIFIER),
	P("programUrl", "Program URL", URL),
	P("provisions", "Scope of sanctions", STRING),
	P("status", "Status", STRING),
	P("duration", "Duration", STRING),
	P("reason", "Reason", TEXT),
	P("country", "Country", COUNTRY),
	P("listingDate", "Listing date", DATE),
};

/* Schemata that declare no properties of their own. */
#define NO_PROPS NULL, 0

const struct schema schema_table[] = {
	{ "Address", "Address", EXTENDS("Thing"), PROPS(address_props), 0,
	  NULL, NULL },
	{ "Airplane", "Airplane", EXTENDS("Vehicle"), PROPS(airplane_props),
	  SCHEMA_MATCHABLE, NULL, NULL },
	{ "Analyzable", "Analyzable", NO_PARENT, PROPS(analyzable_props),
	  SCHEMA_ABSTRACT, NULL, NULL },
	{ "Asset", "Asset", EXTENDS("Thing", "Value"), NO_PROPS,
	  SCHEMA_ABSTRACT, NULL, NULL },
	{ "Associate", "Associate", EXTENDS("Interval"),
	  PROPS(associate_props), SCHEMA_EDGE, "person", "associate" },
	{ "BankAccount", "Bank account", EXTENDS("Asset"),
	  PROPS(bank_account_props), 0, NULL, NULL },
	{ "Company", "Company", EXTENDS("Organization", "Asset"),
	  PROPS(company_props), SCHEMA_MATCHABLE, NULL, NULL },
	{ "CryptoWallet", "Cryptocurrency wallet", EXTENDS("Thing", "Value"),
	  PROPS(crypto_wallet_props), 0, NULL, NULL },
	{ "Directorship", "Directorship", EXTENDS("Interest"),
	  PROPS(directorship_props), SCHEMA_EDGE, "director",
	  "organization" },
	{ "Employment", "Employment", EXTENDS("Interest"),
	  PROPS(employment_props), SCHEMA_EDGE, "employee", "employer" },
	{ "Event", "Event", EXTENDS("Interval", "Analyzable", "Thing"),
	  PROPS(event_props), 0, NULL, NULL },
	{ "Family", "Family", EXTENDS("Interval"), PROPS(family_props),
	  SCHEMA_EDGE, "person", "relative" },
	{ "Identification", "Identification", EXTENDS("Interval"),
	  PROPS(identification_props), 0, NULL, NULL },
	{ "Interest", "Interest", EXTENDS("Interval"), PROPS(interest_props),
	  SCHEMA_ABSTRACT, NULL, NULL },
	{ "Interval", "Interval", NO_PARENT, PROPS(interval_props),
	  SCHEMA_ABSTRACT, NULL, NULL },
	{ "LegalEntity", "Legal entity", EXTENDS("Thing"),
	  PROPS(legal_entity_props), SCHEMA_MATCHABLE, NULL, NULL },
	{ "Membership", "Membership", EXTENDS("Interest"),
	  PROPS(membership_props), SCHEMA_EDGE, "member", "organization" },
	{ "Note", "Note", EXTENDS("Thing", "Analyzable"), PROPS(note_props),
	  0, NULL, NULL },
	{ "Organization", "Organization", EXTENDS("LegalEntity"),
	  PROPS(organization_props), SCHEMA_MATCHABLE, NULL, NULL },
	{ "Ownership", "Ownership", EXTENDS("Interest"),
	  PROPS(ownership_props), SCHEMA_EDGE, "owner", "asset" },
	{ "Passport", "Passport", EXTENDS("Identification"),
	  PROPS(passport_props), 0, NULL, NULL },
	{ "Payment", "Payment", EXTENDS("Interval", "Value"),
	  PROPS(payment_props), SCHEMA_EDGE, "payer", "beneficiary" },
	{ "Person", "Person", EXTENDS("LegalEntity"), PROPS(person_props),
	  SCHEMA_MATCHABLE, NULL, NULL },
	{ "PublicBody", "Public body", EXTENDS("Organization"), NO_PROPS,
	  SCHEMA_MATCHABLE, NULL, NULL },
	{ "Sanction", "Sanction", EXTENDS("Interval"), PROPS(sanction_props),
	  0, NULL, NULL },
	{ "Thing", "Thing", NO_PARENT, PROPS(thing_props), SCHEMA_ABSTRACT,
	  NULL, NULL },
	{ "Value", "Value", NO_PARENT, PROPS(value_props), SCHEMA_ABSTRACT,
	  NULL, NULL },
	{ "Vehicle", "Vehicle", EXTENDS("Asset"), PROPS(vehicle_props), 0,
	  NULL, NULL },
	{ "Vessel", "Vessel", EXTENDS("Vehicle"), PROPS(vessel_props),
	  SCHEMA_MATCHABLE, NULL, NULL },
};

const size_t schema_table_len = sizeof(schema_table) / sizeof(schema_table[0]);
