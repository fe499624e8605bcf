"""Function words: the words that carry an item's phrasing rather than its news.

Two places need them. Explanations leave them out (a reader learns nothing from "es" or
"the"), and the change gate learns them at half strength (`training.Settings.
gate_function_words`): the written training examples share habits of phrasing that real
text does not ("now" in news, "how" in guides), and a gate that leans on them judges
house style instead of whether something changed.
"""

from __future__ import annotations

from .language import FUNCTION_WORDS
from .text import fold

# The language detector's short list and more: "es", "eines", "wegen" are function words too.
_STOP_DE = (
    "aber alle allem allen aller alles als also am an ans auch auf aus bei beim bin bis bist da dabei damit "
    "dann darf darum das dass dem den denen der deren des dessen dich die dies diese diesem diesen dieser "
    "dieses dir doch dort du durch ein eine einem einen einer eines er es etwa euch euer eure für gegen "
    "habe haben hat hatte hätte ich ihm ihn ihnen ihr ihre ihrem ihren ihrer im in ins ist ja jede jedem "
    "jeden jeder jedes jetzt kann kein keine keinem keinen keiner können könnte man mehr mich mir mit muss "
    "müssen nach nicht noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seit sich sie sind so "
    "soll sollen sondern um und uns unser unsere unter vom von vor war waren was weil welche welchem welchen "
    "welcher wenn wer werden wie wieder will wir wird wo wurde wurden zu zum zur zwar zwischen über wegen "
    "ab sowie bzw etc beim mal schon sei seien laut außerdem deshalb daher dazu darauf darüber davon "
    "deswegen trotzdem jedoch allerdings bereits zudem somit nämlich dafür dagegen denn sodass weshalb "
    "wobei womit hierzu hierbei daran darin dadurch"
)
_STOP_EN = (
    "a about above after again against all am an and any are as at be because been before being below "
    "between both but by can could did do does doing down during each few for from further had has have "
    "having he her here hers him his how i if in into is it its itself just me more most my no nor not now "
    "of off on once only or other our ours out over own same she should so some such than that the their "
    "them then there these they this those through to too under until up very was we were what when where "
    "which while who whom why will with would you your yours also via per says said new since however "
    "already yet still even among within without across according thus therefore hence whether "
    "although though"
)
QUIET_WORDS = frozenset(fold(word) for word in (*FUNCTION_WORDS, *_STOP_DE.split(), *_STOP_EN.split()))
