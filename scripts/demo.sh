#!/bin/bash
# scripts/demo.sh LIAISON_BINARY [DATA_DIR] - a short tour of a node.
#
# Creates a node in a temporary folder, imports the UN and OFAC sanctions
# lists and the FtM sample from ../shared/data (or DATA_DIR), and shows
# counts per schema, a full-text search, and one record with its marking
# and history, then screens names across scripts. The exchange and alerting
# parts of the mission extend this.
set -euo pipefail
LIA="${1:?usage: demo.sh LIAISON_BINARY [DATA_DIR]}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${2:-${LIAISON_DATA:-$ROOT/../shared/data}}"
if [ ! -d "$DATA/sanctions" ]; then
	echo "demo: test data not found in $DATA (expected ../shared/data);" >&2
	echo "demo: run as: make demo DATA=/path/to/data" >&2
	exit 66
fi
HOME_DIR="$(mktemp -d /tmp/liaison-demo.XXXXXX)/node"
trap 'rm -rf "$(dirname "$HOME_DIR")"' EXIT
export LIAISON_HOME="$HOME_DIR"
S="$DATA/sanctions"
if [ -t 1 ]; then B=$'\033[1m'; N=$'\033[0m'; else B=; N=; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }

say "A new node for the Netherlands police (NL-NP), in $HOME_DIR"
"$LIA" init --agency NL-NP --name "Netherlands Police" --country NL

say "Import the UN Security Council consolidated list"
"$LIA" import "$S/UN_consolidated.xml"
say "Import the US OFAC SDN list (four files, one transaction)"
"$LIA" import --format ofac "$S/ofac_sdn.csv" "$S/ofac_alt.csv" "$S/ofac_add.csv" "$S/ofac_sdn_comments.csv"
say "Import FollowTheMoney entities as our own restricted information"
"$LIA" import --classification RESTRICTED --handling H2 --tlp AMBER --evaluation B2 \
	--audience DE-BKA,EU --review-by 2027-12-31 "$DATA/ftm/donations.ijson"

say "Importing the UN list again changes nothing (stable ids)"
"$LIA" import "$S/UN_consolidated.xml"

say "A malformed file is rejected and nothing is stored"
"$LIA" import --format ofac "$S/invalid/ofac_sdn.csv" || echo "(exit status $?)"

say "Records per schema"
"$LIA" stats

say "Full-text search: 'Malkevich'"
"$LIA" search --limit 5 malkevich

say "One record, its marking and its history"
"$LIA" get ofac-26235

say "Screening: a traveller's name written in Cyrillic, with the birth date"
"$LIA" screen --name "Александр Малькевич" --dob 1975-06-14 --limit 3

say "Two spellings of one name, and why they match"
"$LIA" compare --explain "Muammar al-Qadhafi" "Moammar Gaddafi"

say "Done. The node was temporary and is now removed."
