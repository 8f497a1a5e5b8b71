"""Narratives for synthetic reports, composed from sentences written in English and Spanish.

Every sentence is a pair (English, Spanish) with the same slots, so a report reads in the
language its reporter chose. `{officer}` is always a singular subject ("Officer Nguyen",
"one of the officers"); `{Officer}` is the same, capitalised to start a sentence.
"""

import datetime
import random

EN, ES = 0, 1

MONTHS = {
    EN: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    ES: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}

# Each category of complaint: sentences that say what happened, then supporting details.
COMPLAINTS = {
    "discourtesy": {
        "core": [
            (
                "{Officer} yelled at me and used profanity when I asked why I was being stopped.",
                "{Officer} me gritó y usó groserías cuando le pregunté por qué me detenían.",
            ),
            (
                "{Officer} mocked me and called me names in front of my children.",
                "{Officer} se burló de mí y me insultó delante de mis hijos.",
            ),
            (
                "When I asked a simple question, {officer} told me to shut up and walked away.",
                "Cuando hice una pregunta sencilla, {officer} me dijo que me callara y se fue.",
            ),
        ],
        "detail": [
            (
                "Several people nearby heard what was said.",
                "Varias personas cerca escucharon lo que dijo.",
            ),
            (
                "I stayed calm the whole time and never raised my voice.",
                "Mantuve la calma todo el tiempo y nunca levanté la voz.",
            ),
            ("It was humiliating and disrespectful.", "Fue humillante y una falta de respeto."),
        ],
    },
    "force": {
        "core": [
            (
                "{Officer} grabbed my arm and pushed me against the patrol car even though I "
                "was not resisting.",
                "{Officer} me agarró del brazo y me empujó contra la patrulla aunque yo no me "
                "estaba resistiendo.",
            ),
            (
                "{Officer} put the handcuffs on so tight that my wrists were bruised for a week.",
                "{Officer} me puso las esposas tan apretadas que tuve moretones en las muñecas "
                "durante una semana.",
            ),
            (
                "{Officer} took me to the ground and put a knee on my back after I was already "
                "in handcuffs.",
                "{Officer} me tiró al suelo y me puso la rodilla en la espalda cuando ya tenía "
                "las esposas puestas.",
            ),
            (
                "{Officer} pointed a taser at me while I was only trying to explain what happened.",
                "{Officer} me apuntó con una pistola eléctrica cuando yo solo intentaba "
                "explicar lo que pasó.",
            ),
        ],
        "detail": [
            (
                "I went to urgent care the next day and I have the records.",
                "Fui a urgencias al día siguiente y tengo los documentos médicos.",
            ),
            (
                "A neighbor recorded part of it on her phone.",
                "Una vecina grabó parte de lo que pasó con su teléfono.",
            ),
            (
                "I asked for a supervisor but nobody came.",
                "Pedí hablar con un supervisor pero nadie vino.",
            ),
        ],
    },
    "stop_search": {
        "core": [
            (
                "{Officer} stopped me without giving any reason and searched my backpack "
                "without asking.",
                "{Officer} me detuvo sin darme ninguna razón y revisó mi mochila sin pedir "
                "permiso.",
            ),
            (
                "{Officer} ordered me out of my car and searched it, saying something looked "
                "suspicious.",
                "{Officer} me ordenó salir del carro y lo registró, diciendo que algo le "
                "parecía sospechoso.",
            ),
            (
                "{Officer} patted me down twice and went through my pockets. Nothing was found "
                "and no ticket was given.",
                "{Officer} me cacheó dos veces y revisó mis bolsillos. No encontró nada y no me "
                "dio ninguna multa.",
            ),
        ],
        "detail": [
            (
                "This is the third time this year I have been stopped on the same street.",
                "Es la tercera vez este año que me paran en la misma calle.",
            ),
            (
                "I asked if I was free to go and was told to wait.",
                "Pregunté si me podía ir y me dijeron que esperara.",
            ),
            (
                "I was held there for almost forty minutes.",
                "Me tuvieron ahí casi cuarenta minutos.",
            ),
        ],
    },
    "neglect": {
        "core": [
            (
                "I called 911 about a break-in and it took over two hours for anyone to come.",
                "Llamé al 911 por un robo en mi casa y tardaron más de dos horas en llegar.",
            ),
            (
                "{Officer} refused to take a report about my stolen car and told me to call "
                "back another day.",
                "{Officer} se negó a tomar la denuncia por el robo de mi carro y me dijo que "
                "llamara otro día.",
            ),
            (
                "I reported threats from a neighbor and {officer} said it was not a police matter.",
                "Denuncié amenazas de un vecino y {officer} dijo que no era asunto de la policía.",
            ),
        ],
        "detail": [
            (
                "Nobody has followed up with me since.",
                "Nadie se ha comunicado conmigo desde entonces.",
            ),
            (
                "I have called the district office several times without an answer.",
                "He llamado a la oficina del distrito varias veces sin respuesta.",
            ),
        ],
    },
    "bias": {
        "core": [
            (
                "{Officer} asked me where I was really from and whether I had papers.",
                "{Officer} me preguntó de dónde era en realidad y si tenía papeles.",
            ),
            (
                "{Officer} made comments about my religion while checking my license.",
                "{Officer} hizo comentarios sobre mi religión mientras revisaba mi licencia.",
            ),
            (
                "I believe I was stopped because of my race. Other drivers doing the same "
                "thing were not stopped.",
                "Creo que me pararon por mi raza. A otros conductores que hacían lo mismo no "
                "los pararon.",
            ),
        ],
        "detail": [
            (
                "My friend who was with me was treated completely differently.",
                "A mi amigo que estaba conmigo lo trataron de manera completamente diferente.",
            ),
            (
                "I want to know how many other people this has happened to.",
                "Quiero saber a cuántas otras personas les ha pasado esto.",
            ),
        ],
    },
    "property": {
        "core": [
            (
                "{Officer} took my phone as evidence and I have not been able to get it back.",
                "{Officer} se llevó mi teléfono como evidencia y no he podido recuperarlo.",
            ),
            (
                "During a search of my apartment the door frame and a cabinet were broken, "
                "and nobody explained how to get them repaired.",
                "Durante un registro de mi apartamento rompieron el marco de la puerta y un "
                "gabinete, y nadie me explicó cómo repararlos.",
            ),
            (
                "{Officer} threw my belongings on the wet ground and left them there.",
                "{Officer} tiró mis cosas al suelo mojado y las dejó ahí.",
            ),
        ],
        "detail": [
            ("I still have the receipt.", "Todavía tengo el recibo."),
            (
                "The property room told me there was no record of it.",
                "En la oficina de propiedad me dijeron que no había ningún registro.",
            ),
        ],
    },
    "identification": {
        "core": [
            (
                "When I asked for a name and badge number, {officer} covered the badge and "
                "refused.",
                "Cuando pedí su nombre y número de placa, {officer} tapó la placa y se negó a "
                "dármelos.",
            ),
            (
                "{Officer} would not give a name or a card and said I could look it up myself.",
                "{Officer} no quiso darme su nombre ni una tarjeta y dijo que lo buscara yo.",
            ),
        ],
        "detail": [
            (
                "I wrote down the car number as it drove away.",
                "Anoté el número de la patrulla cuando se iba.",
            ),
            (
                "The body camera did not seem to be on.",
                "La cámara corporal no parecía estar encendida.",
            ),
        ],
    },
    "traffic": {
        "core": [
            (
                "{Officer} gave me a speeding ticket even though I was driving with traffic, "
                "and would not let me explain.",
                "{Officer} me puso una multa por exceso de velocidad aunque yo iba al ritmo del "
                "tráfico, y no me dejó explicar.",
            ),
            (
                "{Officer} kept me on the side of the highway for an hour in the rain over a "
                "broken tail light.",
                "{Officer} me dejó una hora al lado de la carretera bajo la lluvia por una luz "
                "trasera rota.",
            ),
        ],
        "detail": [
            (
                "My children were in the back seat and were very scared.",
                "Mis hijos estaban en el asiento de atrás y tenían mucho miedo.",
            ),
            (
                "The dashboard camera should show what happened.",
                "La cámara de la patrulla debería mostrar lo que pasó.",
            ),
        ],
    },
    "crisis": {
        "core": [
            (
                "My brother was having a mental health crisis and {officer} treated him like a "
                "criminal instead of getting him help.",
                "Mi hermano estaba teniendo una crisis de salud mental y {officer} lo trató como "
                "a un criminal en vez de conseguirle ayuda.",
            ),
            (
                "We asked for the crisis team, but {officer} said nobody was available and "
                "threatened to arrest my son.",
                "Pedimos el equipo de crisis, pero {officer} dijo que no había nadie disponible "
                "y amenazó con arrestar a mi hijo.",
            ),
        ],
        "detail": [
            (
                "He ended up in the emergency room that night.",
                "Esa noche terminó en la sala de emergencias.",
            ),
            (
                "We called for help, not for punishment.",
                "Llamamos para pedir ayuda, no para que lo castigaran.",
            ),
        ],
    },
    "retaliation": {
        "core": [
            (
                "I was filming from the sidewalk and {officer} told me to stop recording or I "
                "would be arrested.",
                "Yo estaba grabando desde la acera y {officer} me dijo que dejara de grabar o me "
                "arrestaría.",
            ),
            (
                "After I said I would file a complaint, {officer} wrote me two more tickets.",
                "Después de que dije que iba a presentar una queja, {officer} me puso dos "
                "multas más.",
            ),
        ],
        "detail": [
            (
                "I was at least twenty feet away and was not interfering.",
                "Yo estaba a más de seis metros y no estaba interfiriendo.",
            ),
            ("I still have the video.", "Todavía tengo el video."),
        ],
    },
}

# How often each category is told, roughly as oversight agencies report them.
COMPLAINT_WEIGHTS = {
    "discourtesy": 22,
    "force": 14,
    "stop_search": 16,
    "neglect": 14,
    "bias": 8,
    "property": 6,
    "identification": 5,
    "traffic": 9,
    "crisis": 3,
    "retaliation": 3,
}

# What triage makes of each kind of story: the allegation category; for each core sentence (in
# COMPLAINTS order) its sub-type and the summary staff write; and categories often alleged with it.
ALLEGATIONS = {
    "discourtesy": (
        "discourtesy",
        [
            ("profanity", "Yelled and swore when asked the reason for the stop."),
            ("insult", "Mocked and insulted the complainant in front of the children."),
            ("dismissive", "Told the complainant to shut up and walked away."),
        ],
        ["offensive_language", "abuse_of_authority"],
    ),
    "force": (
        "use_of_force",
        [
            ("push", "Pushed the complainant against the patrol car; no resistance described."),
            ("handcuffs", "Applied handcuffs so tightly that the wrists were bruised."),
            ("takedown", "Took the complainant to the ground and knelt on the back once cuffed."),
            ("taser", "Pointed a Taser at the complainant during a conversation."),
        ],
        ["discourtesy", "improper_stop", "abuse_of_authority"],
    ),
    "stop_search": (
        "improper_stop",
        [
            ("search_person", "Stopped without a stated reason; searched the backpack unasked."),
            ("search_vehicle", "Ordered the complainant out of the car and searched it."),
            ("frisk", "Frisked twice and searched pockets; nothing found, no citation."),
        ],
        ["discourtesy", "offensive_language"],
    ),
    "neglect": (
        "failure_to_act",
        [
            ("slow_response", "Took over two hours to respond to a burglary call."),
            ("refused_report", "Refused to take a stolen vehicle report."),
            ("refused_report", "Declined to act on threats reported from a neighbour."),
        ],
        ["discourtesy"],
    ),
    "bias": (
        "offensive_language",
        [
            ("immigration", "Asked where the complainant was really from and for papers."),
            ("religion", "Made remarks about the complainant's religion."),
            ("profiling", "Stopped the complainant because of race, as alleged."),
        ],
        ["improper_stop", "discourtesy"],
    ),
    "property": (
        "abuse_of_authority",
        [
            ("property_seized", "Took a phone as evidence; not returned and not logged."),
            ("property_damaged", "Door frame and cabinet broken during a search; no follow-up."),
            ("property_damaged", "Threw the complainant's belongings on the wet ground."),
        ],
        ["discourtesy", "failure_to_act"],
    ),
    "identification": (
        "abuse_of_authority",
        [
            ("refused_identify", "Covered the badge and refused to give name and number."),
            ("refused_identify", "Refused to give a name or a business card."),
        ],
        ["failure_to_act", "discourtesy"],
    ),
    "traffic": (
        "improper_stop",
        [
            ("citation", "Issued a speeding citation without letting the driver explain."),
            ("prolonged", "Held the driver an hour in the rain over a tail light."),
        ],
        ["discourtesy"],
    ),
    "crisis": (
        "failure_to_act",
        [
            ("crisis", "Treated a person in a mental health crisis as a criminal."),
            ("crisis", "Did not call the crisis team; threatened to arrest the son."),
        ],
        ["use_of_force", "discourtesy"],
    ),
    "retaliation": (
        "abuse_of_authority",
        [
            ("recording", "Threatened arrest to stop the complainant from filming."),
            ("retaliation", "Wrote two more citations after the driver mentioned a complaint."),
        ],
        ["improper_stop", "discourtesy"],
    ),
}

# The sub-types the demo creates: key -> (category, English name, Spanish name).
ALLEGATION_SUBTYPES = {
    "push": ("use_of_force", "Push or grab", "Empujón o agarrón"),
    "handcuffs": ("use_of_force", "Handcuffs too tight", "Esposas demasiado apretadas"),
    "takedown": ("use_of_force", "Takedown or restraint on the ground", "Derribo o inmovilización"),
    "taser": ("use_of_force", "Taser pointed or used", "Pistola eléctrica apuntada o usada"),
    "strike": ("use_of_force", "Punch, kick or baton strike", "Puñetazo, patada o golpe de bastón"),
    "property_seized": (
        "abuse_of_authority",
        "Property seized and not returned",
        "Bienes incautados y no devueltos",
    ),
    "property_damaged": ("abuse_of_authority", "Property damaged", "Daños a la propiedad"),
    "refused_identify": (
        "abuse_of_authority",
        "Refused to give name or badge number",
        "Negarse a dar nombre o número de placa",
    ),
    "recording": ("abuse_of_authority", "Interfered with recording", "Impedir que se grabara"),
    "retaliation": (
        "abuse_of_authority",
        "Retaliation for a complaint",
        "Represalia por una queja",
    ),
    "threat": ("abuse_of_authority", "Threat of arrest", "Amenaza de arresto"),
    "profanity": ("discourtesy", "Profanity", "Groserías"),
    "insult": ("discourtesy", "Insult or mockery", "Insulto o burla"),
    "dismissive": ("discourtesy", "Rude or dismissive manner", "Trato grosero o despectivo"),
    "immigration": (
        "offensive_language",
        "Questions about immigration status",
        "Preguntas sobre la situación migratoria",
    ),
    "religion": ("offensive_language", "Remarks about religion", "Comentarios sobre la religión"),
    "profiling": (
        "offensive_language",
        "Bias based on race or ethnicity",
        "Sesgo por raza u origen étnico",
    ),
    "search_person": ("improper_stop", "Search of a person", "Registro de una persona"),
    "search_vehicle": ("improper_stop", "Search of a vehicle", "Registro de un vehículo"),
    "frisk": ("improper_stop", "Frisk without cause", "Cacheo sin motivo"),
    "prolonged": ("improper_stop", "Prolonged stop", "Detención prolongada"),
    "citation": ("improper_stop", "Unwarranted citation", "Multa injustificada"),
    "false_report": (
        "untruthfulness",
        "False statement in a report",
        "Declaración falsa en un informe",
    ),
    "misleading": (
        "untruthfulness",
        "Misleading statement to investigators",
        "Declaración engañosa a los investigadores",
    ),
    "slow_response": (
        "failure_to_act",
        "Slow response to a call",
        "Respuesta tardía a una llamada",
    ),
    "refused_report": (
        "failure_to_act",
        "Refused to take a report",
        "Negarse a tomar una denuncia",
    ),
    "crisis": ("failure_to_act", "Crisis team not requested", "No se pidió el equipo de crisis"),
    "camera": (
        "failure_to_act",
        "Body-worn camera not switched on",
        "Cámara corporal no encendida",
    ),
    "conduct": ("other", "Conduct unbecoming an officer", "Conducta impropia de un agente"),
    "vehicle": ("other", "Misuse of a police vehicle", "Uso indebido de un vehículo policial"),
}

COMMENDATIONS = [
    (
        "{Officer} stopped to help after my car was hit and stayed with me until the tow truck "
        "came.",
        "{Officer} se detuvo a ayudarme después de que chocaron mi carro y se quedó conmigo "
        "hasta que llegó la grúa.",
    ),
    (
        "My father, who has dementia, wandered off and {officer} found him and brought him home "
        "safely.",
        "Mi padre, que tiene demencia, se perdió y {officer} lo encontró y lo trajo a casa sano "
        "y salvo.",
    ),
    (
        "{Officer} calmed down a very tense argument on our block without anyone getting hurt.",
        "{Officer} calmó una discusión muy tensa en nuestra cuadra sin que nadie saliera herido.",
    ),
    (
        "{Officer} performed CPR on a man who collapsed at the bus stop until the ambulance "
        "arrived.",
        "{Officer} le hizo RCP a un hombre que se desmayó en la parada del autobús hasta que "
        "llegó la ambulancia.",
    ),
    (
        "{Officer} came back twice to check on us after our home was broken into.",
        "{Officer} volvió dos veces para ver cómo estábamos después del robo en nuestra casa.",
    ),
    (
        "{Officer} took the time to explain everything slowly and made sure my mother understood.",
        "{Officer} se tomó el tiempo de explicarlo todo en español y se aseguró de que mi madre "
        "entendiera.",
    ),
    (
        "{Officer} organized the youth basketball night at the community center and the kids "
        "loved it.",
        "{Officer} organizó la noche de baloncesto juvenil en el centro comunitario y a los "
        "chicos les encantó.",
    ),
    (
        "{Officer} helped me change a flat tire on the highway late at night.",
        "{Officer} me ayudó a cambiar una llanta ponchada en la carretera tarde en la noche.",
    ),
]

COMMENDATION_CLOSINGS = [
    ("Please pass on our thanks.", "Por favor, háganle llegar nuestro agradecimiento."),
    (
        "This is the kind of policing our neighborhood needs.",
        "Este es el tipo de policía que nuestro barrio necesita.",
    ),
    (
        "I want the department to know how much this meant to our family.",
        "Quiero que el departamento sepa lo mucho que esto significó para nuestra familia.",
    ),
]

ACTIVITIES = [
    ("walking home from work", "caminando a casa del trabajo"),
    ("driving to my mother's house", "manejando a casa de mi madre"),
    ("waiting for the bus", "esperando el autobús"),
    ("leaving the grocery store", "saliendo del supermercado"),
    ("sitting in my parked car", "sentado en mi carro estacionado"),
    ("picking up my kids from school", "recogiendo a mis hijos de la escuela"),
    ("riding my bike", "andando en bicicleta"),
    ("coming out of a friend's apartment", "saliendo del apartamento de un amigo"),
]

COMPLAINT_CLOSINGS = [
    ("I want this investigated.", "Quiero que esto se investigue."),
    ("Nobody should be treated this way.", "Nadie debería ser tratado así."),
    ("I hope this does not happen to anyone else.", "Espero que esto no le pase a nadie más."),
    (
        "Please look at the body camera footage.",
        "Por favor, revisen el video de la cámara corporal.",
    ),
]
CONTACT_ME = (
    "I would like someone to contact me about this.",
    "Quisiera que alguien se comunique conmigo sobre esto.",
)
ANONYMOUS_CLOSING = (
    "I am not giving my name because I am afraid of retaliation.",
    "No doy mi nombre porque tengo miedo a represalias.",
)

# (what the reporter types as their relationship, who the person is to them in the narrative)
RELATIONSHIPS = {
    EN: [
        ("parent", "son"),
        ("parent", "daughter"),
        ("sister", "brother"),
        ("neighbor", "neighbor"),
        ("friend", "friend"),
        ("lawyer", "client"),
        ("advocate", "client"),
    ],
    ES: [
        ("madre", "hijo"),
        ("padre", "hija"),
        ("hermana", "hermano"),
        ("vecino", "vecina"),
        ("amiga", "amigo"),
        ("abogado", "cliente"),
        ("defensora comunitaria", "cliente"),
    ],
}

OFFICER_DESCRIPTIONS = [
    ("Tall, shaved head, about 40 years old.", "Alto, cabeza rapada, de unos 40 años."),
    (
        "Short, dark hair in a bun, maybe in her 20s.",
        "Baja, pelo oscuro recogido, de unos 20 y tantos años.",
    ),
    ("Heavy build, red beard, sunglasses.", "Corpulento, barba roja, lentes de sol."),
    ("Young, thin, glasses, wore a cap.", "Joven, delgado, con lentes y gorra."),
    ("Older, gray mustache, on a motorcycle.", "Mayor, bigote canoso, en motocicleta."),
    (
        "Medium height, tattoo on the left forearm.",
        "Estatura media, tatuaje en el antebrazo izquierdo.",
    ),
]

VEHICLES = [
    ("Marked patrol car {n}", "Patrulla número {n}"),
    ("Unmarked gray sedan", "Sedán gris sin marcas"),
    ("Police SUV {n}", "Camioneta de policía {n}"),
    ("Police motorcycle", "Motocicleta de policía"),
]

WITNESS_NOTES = [
    ("Was at the bus stop and saw everything.", "Estaba en la parada del autobús y vio todo."),
    ("My neighbor; recorded part of it on her phone.", "Mi vecina; grabó parte con su teléfono."),
    ("Works at the store on the corner.", "Trabaja en la tienda de la esquina."),
    ("Was in the car with me.", "Iba en el carro conmigo."),
    ("A man walking his dog; I do not know his name.", "Un señor que paseaba a su perro."),
]


def date_phrase(
    language: int, start: datetime.date, end: datetime.date | None, time: datetime.time | None
) -> str:
    """'On March 3 at about 9:40 p.m.' / 'El 3 de marzo alrededor de las 21:40'."""
    months = MONTHS[language]
    if end is not None:
        if language == EN:
            return f"Between {months[start.month - 1]} {start.day} and {months[end.month - 1]} {end.day}"
        return f"Entre el {start.day} de {months[start.month - 1]} y el {end.day} de {months[end.month - 1]}"
    if language == EN:
        phrase = f"On {months[start.month - 1]} {start.day}"
        if time is not None:
            hour = time.hour % 12 or 12
            phrase += f" at about {hour}:{time.minute:02d} {'a.m.' if time.hour < 12 else 'p.m.'}"
        return phrase
    phrase = f"El {start.day} de {months[start.month - 1]}"
    if time is not None:
        article = "la" if time.hour == 1 else "las"
        phrase += f" alrededor de {article} {time.hour}:{time.minute:02d}"
    return phrase


def compose(
    rng: random.Random,
    *,
    kind: str,
    language: int,
    when: str,
    place: str,
    officer: str,
    category: str = "",
    core: int = 0,
    behalf_of: str = "",
    anonymous: bool = False,
) -> str:
    """A narrative of three to six sentences in one language; a complaint tells the `core`
    sentence of its `category`."""
    slots = {"officer": officer, "Officer": officer[:1].upper() + officer[1:]}
    sentences = []
    if behalf_of:
        sentences.append(
            f"I am writing on behalf of my {behalf_of}."
            if language == EN
            else f"Escribo en nombre de mi {behalf_of}."
        )
    if kind == "commendation":
        sentences.append(
            f"I want to thank the department for something that happened near {place}."
            if language == EN
            else f"Quiero agradecer al departamento por algo que pasó cerca de {place}."
        )
        sentences.append(f"{when}, {_lower_first(rng.choice(COMMENDATIONS)[language])}")
        sentences.append(rng.choice(COMMENDATION_CLOSINGS)[language])
    else:
        activity = rng.choice(ACTIVITIES)[language]
        sentences.append(
            f"{when}, I was {activity} near {place}."
            if language == EN
            else f"{when}, yo estaba {activity} cerca de {place}."
        )
        story = COMPLAINTS[category]
        sentences.append(story["core"][core][language])
        details = story["detail"]
        sentences.extend(d[language] for d in rng.sample(details, rng.randint(1, len(details))))
        if anonymous:
            sentences.append(ANONYMOUS_CLOSING[language])
        else:
            sentences.append(rng.choice([*COMPLAINT_CLOSINGS, CONTACT_ME])[language])
    return " ".join(sentences).format(**slots)


def _lower_first(sentence: str) -> str:
    """Continue a sentence: '{Officer} came...' becomes '{officer} came...', 'My father' 'my father'."""
    if sentence.startswith("{Officer}"):
        return "{officer}" + sentence[len("{Officer}") :]
    return sentence[:1].lower() + sentence[1:]
