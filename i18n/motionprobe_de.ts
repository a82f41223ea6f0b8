<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>main</name>
    <message>
        <location filename="../app/gui/main.cpp" line="+47"/>
        <source>Where text-to-video diffusion models decide motion: the workbench.</source>
        <translation>Wo Text-zu-Video-Diffusionsmodelle über die Bewegung entscheiden: die Werkbank.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>A model folder to open.</source>
        <translation>Ein zu öffnender Modellordner.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save a picture of the window to &lt;file&gt; and quit (for documentation and CI).</source>
        <translation>Ein Bild des Fensters in &lt;Datei&gt; speichern und beenden (für Dokumentation und CI).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>file</source>
        <translation>Datei</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Start on shipped toy example &lt;n&gt; (video and captions).</source>
        <translation>Mit dem mitgelieferten Spielzeugbeispiel &lt;n&gt; starten (Video und Beschreibungen).</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+16"/>
        <location line="+7"/>
        <location line="+4"/>
        <source>n</source>
        <translation>n</translation>
    </message>
    <message>
        <location line="-24"/>
        <source>With --demo: run probe, customize or probe,customize in the window, as a user would.</source>
        <translation>Mit --demo: probe, customize oder probe,customize im Fenster ausführen, wie es ein Benutzer täte.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>what</source>
        <translation>was</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>With --run: save a picture of every view into &lt;dir&gt;.</source>
        <translation>Mit --run: ein Bild jeder Ansicht in &lt;Ordner&gt; speichern.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>dir</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>With --run: quit when done (exit 1 if anything failed).</source>
        <translation>Mit --run: nach Abschluss beenden (Exit-Code 1, falls etwas fehlschlug).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>With --run: probe steps.</source>
        <translation>Mit --run: Schritte der Sondierung.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>With --run: grid interval.</source>
        <translation>Mit --run: Rasterabstand.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>i</source>
        <translation>i</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>With --run: customization training steps.</source>
        <translation>Mit --run: Trainingsschritte der Anpassung.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>With --run: customization sampling steps.</source>
        <translation>Mit --run: Sampling-Schritte der Anpassung.</translation>
    </message>
</context>
<context>
    <name>mp::app::EngineWorker</name>
    <message>
        <location filename="../app/workbench/engine_worker.cpp" line="+343"/>
        <source>reference</source>
        <translation>Referenz</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>LoRA t ≥ %1</source>
        <translation>LoRA t ≥ %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>LoRA always</source>
        <translation>LoRA immer aktiv</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>base</source>
        <translation>Basismodell</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>%1 frames · %2×%3 · %4 fps</source>
        <translation>%1 Frames · %2×%3 · %4 fps</translation>
    </message>
</context>
<context>
    <name>mp::app::ExperimentsPanel</name>
    <message>
        <location filename="../app/workbench/experiments_panel.cpp" line="+128"/>
        <source>Open store…</source>
        <translation>Datenbank öffnen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+9"/>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <location line="-9"/>
        <location line="+9"/>
        <source>Updated (UTC)</source>
        <translation>Aktualisiert (UTC)</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Video</source>
        <translation>Video</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Caption → edit</source>
        <translation>Beschreibung → Bearbeitung</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Dataset</source>
        <translation>Datensatz</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Videos done</source>
        <translation>Fertige Videos</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Double-click a dataset probe to open its mean heatmaps</source>
        <translation>Doppelklick auf eine Datensatz-Probe öffnet ihre mittleren Heatmaps</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Select a benchmark to see its tables.</source>
        <translation>Einen Benchmark auswählen, um seine Tabellen zu sehen.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Filter by video, caption, status or number</source>
        <translation>Nach Video, Beschreibung, Status oder Nummer filtern</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Open in the views</source>
        <translation>In den Ansichten öffnen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Compare two…</source>
        <translation>Zwei vergleichen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Select two probes (Ctrl+click) to compare their runs</source>
        <translation>Zwei Sondierungen auswählen (Strg+Klick), um ihre Läufe zu vergleichen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete…</source>
        <translation>Löschen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Export JSON…</source>
        <translation>JSON exportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export plots…</source>
        <translation>Plots exportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The heatmaps and the trade-off curve as PNG, SVG or PDF</source>
        <translation>Die Heatmaps und die Trade-off-Kurve als PNG, SVG oder PDF</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export runs as CSV…</source>
        <translation>Läufe als CSV exportieren…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open experiment store</source>
        <translation>Experimentdatenbank öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Experiment stores (*.sqlite)</source>
        <translation>Experimentdatenbanken (*.sqlite)</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Export runs</source>
        <translation>Läufe exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+10"/>
        <source>Could not write %1</source>
        <translation>%1 konnte nicht geschrieben werden</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Export the probe</source>
        <translation>Sondierung exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>JSON files (*.json)</source>
        <translation>JSON-Dateien (*.json)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Select exactly two probes to compare (Ctrl+click).</source>
        <translation>Wählen Sie genau zwei Sondierungen zum Vergleich aus (Strg+Klick).</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Delete the probe</source>
        <translation>Sondierung löschen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete probe #%1 (%2) and its %3 recorded runs from the store? This cannot be undone.</source>
        <translation>Sondierung #%1 (%2) und ihre %3 aufgezeichneten Läufe aus der Datenbank löschen? Dies kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Store:</source>
        <translation>Datenbank:</translation>
    </message>
    <message>
        <location line="+117"/>
        <source>Benchmark %1 is no longer in the store.</source>
        <translation>Benchmark %1 ist nicht mehr in der Datenbank.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Benchmark %1 has no finished video yet; its tables appear as videos finish.</source>
        <translation>Benchmark %1 hat noch kein fertiges Video; seine Tabellen erscheinen, sobald Videos fertig sind.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cannot read benchmark %1: %2</source>
        <translation>Benchmark %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <location line="+126"/>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No probes recorded here yet; every motionprobe-cli probe records into the store.</source>
        <translation>Hier sind noch keine Sondierungen aufgezeichnet; jede Sondierung mit motionprobe-cli wird in der Datenbank festgehalten.</translation>
    </message>
    <message>
        <location line="-58"/>
        <location line="+64"/>
        <location line="+16"/>
        <location line="+72"/>
        <source>Cannot read the store: %1</source>
        <translation>Die Datenbank kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location line="-336"/>
        <source>Benchmarks over datasets (their report: motionprobe-cli bench report --kind customize|probe --store FILE --benchmark # --out DIR)</source>
        <translation>Benchmarks über Datensätze (ihr Bericht: motionprobe-cli bench report --kind customize|probe --store DATEI --benchmark # --out ORDNER)</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>Dataset probe %1 has no finished video yet; its means appear as videos finish.</source>
        <translation>Datensatz-Probe %1 hat noch kein fertiges Video; ihre Mittelwerte erscheinen, sobald Videos fertig werden.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Dataset probe %1: every run&apos;s mean over %2 finished videos. Double-click the row to open the mean heatmaps in the Probe and Trade-off views.</source>
        <translation>Datensatz-Probe %1: der Mittelwert jedes Laufs über %2 fertige Videos. Ein Doppelklick auf die Zeile öffnet die mittleren Heatmaps in den Ansichten Probe und Trade-off.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>τ_start</source>
        <translation>τ_start</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>τ_end</source>
        <translation>τ_end</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Δ CLIP toward c′</source>
        <translation>Δ CLIP in Richtung c′</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>flow similarity</source>
        <translation>Fluss-Ähnlichkeit</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>oracle: appearance</source>
        <translation>Orakel: Aussehen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>oracle: motion</source>
        <translation>Orakel: Bewegung</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Cannot read dataset probe %1: %2</source>
        <translation>Datensatz-Probe %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <location line="+89"/>
        <source>Dataset probe %1 has no finished video yet.</source>
        <translation>Datensatz-Probe %1 hat noch kein fertiges Video.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>dataset probe #%1: %2, mean of %3 videos</source>
        <translation>Datensatz-Probe #%1: %2, Mittel über %3 Videos</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>probe</source>
        <translation>Probe</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>customization</source>
        <translation>Anpassung</translation>
    </message>
    <message>
        <location line="+50"/>
        <source>probe #%1: %2</source>
        <translation>Sondierung #%1: %2</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Select a probe first.</source>
        <translation>Wählen Sie zuerst eine Sondierung aus.</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>Cannot delete: %1</source>
        <translation>Löschen nicht möglich: %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Deleted probe #%1.</source>
        <translation>Sondierung #%1 gelöscht.</translation>
    </message>
    <message>
        <location line="+24"/>
        <location line="+1"/>
        <source>#%1</source>
        <translation>#%1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Probe %1 and probe %2</source>
        <translation>Sondierung %1 und Sondierung %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Δ CLIP %1</source>
        <translation>Δ CLIP %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+1"/>
        <source>difference</source>
        <translation>Differenz</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>flow %1</source>
        <translation>Fluss %1</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>none</source>
        <translation>keines</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>%1: %2
%3: %4
Suggested τ: %5 for %1, %6 for %3; %n run(s) in common.</source>
        <translation>
            <numerusform>%1: %2
%3: %4
Vorgeschlagenes τ: %5 für %1, %6 für %3; %n gemeinsamer Lauf.</numerusform>
            <numerusform>%1: %2
%3: %4
Vorgeschlagenes τ: %5 für %1, %6 für %3; %n gemeinsame Läufe.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mp::app::LanguageMenu</name>
    <message>
        <location filename="../app/workbench/language_menu.cpp" line="+24"/>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>MotionProbe will use this language from its next start. Restart it to see every view in the new language.</source>
        <translation>MotionProbe verwendet diese Sprache ab dem nächsten Start. Starten Sie das Programm neu, um alle Ansichten in der neuen Sprache zu sehen.</translation>
    </message>
    <message>
        <location line="+97"/>
        <source>&amp;Language</source>
        <translation>&amp;Sprache</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;System default</source>
        <translation>&amp;Systemstandard</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The system&apos;s language: %1</source>
        <translation>Die Sprache des Systems: %1</translation>
    </message>
</context>
<context>
    <name>mp::app::MainWindow</name>
    <message>
        <location filename="../app/workbench/main_window.cpp" line="+181"/>
        <source>Probe</source>
        <translation>Sondierung</translation>
    </message>
    <message>
        <location line="-22"/>
        <source>CLIP-score change toward c′</source>
        <translation>CLIP-Score-Änderung in Richtung c′</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Flow similarity to the original</source>
        <translation>Flussähnlichkeit zum Original</translation>
    </message>
    <message>
        <location line="-6"/>
        <source>τ_end</source>
        <translation>τ_end</translation>
    </message>
    <message>
        <location line="-44"/>
        <source>DDIM steps of the inversion and of every resample</source>
        <translation>DDIM-Schritte der Inversion und jeder Neugenerierung</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Spacing of the (τ_start, τ_end) grid over 1000 timesteps</source>
        <translation>Abstand des (τ_start, τ_end)-Rasters über 1000 Zeitschritte</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Classifier-free guidance of the resamples</source>
        <translation>Classifier-free Guidance der Neugenerierungen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run probe</source>
        <translation>Sondierung starten</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Invert the reference with c, then resample every pair with c′ between τ_end and τ_start (Ctrl+R)</source>
        <translation>Die Referenz mit c invertieren, dann jedes Paar zwischen τ_end und τ_start mit c′ neu generieren (Strg+R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+400"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="-397"/>
        <source>Choose a reference video and both captions, then run.</source>
        <translation>Referenzvideo und beide Beschreibungen wählen, dann starten.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Interval</source>
        <translation>Abstand</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Guidance</source>
        <translation>Guidance</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>τ_start</source>
        <translation>τ_start</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No probe yet</source>
        <translation>Noch keine Sondierung</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Δ CLIP score</source>
        <translation>Δ CLIP-Score</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>flow similarity</source>
        <translation>Flussähnlichkeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Oracle: appearance follows c′</source>
        <translation>Orakel: Erscheinungsbild folgt c′</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>share of c′&apos;s attributes</source>
        <translation>Anteil der Attribute von c′</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Oracle: motion kept</source>
        <translation>Orakel: Bewegung erhalten</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>motion similarity</source>
        <translation>Bewegungsähnlichkeit</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>CLIP-score change toward c′ (appearance edited)</source>
        <translation>CLIP-Score-Änderung in Richtung c′ (Erscheinungsbild bearbeitet)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>flow similarity to the original (motion kept)</source>
        <translation>Flussähnlichkeit zum Original (Bewegung erhalten)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run a probe: each τ_start with τ_end = 0 becomes a point.</source>
        <translation>Starten Sie eine Sondierung: Jedes τ_start mit τ_end = 0 wird zu einem Punkt.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The LoRA trains on t ≥ τ and acts while t ≥ τ; drag the marker on the curve or type it</source>
        <translation>Die LoRA trainiert auf t ≥ τ und wirkt, solange t ≥ τ; ziehen Sie die Markierung auf der Kurve oder geben Sie τ ein</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>τ for customization</source>
        <translation>τ für die Anpassung</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Trade-off</source>
        <translation>Trade-off</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Compare</source>
        <translation>Vergleich</translation>
    </message>
    <message>
        <location line="+330"/>
        <source>Preview interval (steps)</source>
        <translation>Vorschau-Intervall (Schritte)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Train and sample: the reference, previews while training, then the base model, the LoRA while t ≥ τ and the LoRA always play here side by side.</source>
        <translation>Trainieren und generieren: Hier laufen die Referenz, Vorschauen während des Trainings, danach das Basismodell, die LoRA während t ≥ τ und die immer aktive LoRA nebeneinander.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Customize</source>
        <translation>Anpassung</translation>
    </message>
    <message>
        <location line="-341"/>
        <location line="+3"/>
        <location line="+2"/>
        <source>Experiments</source>
        <translation>Experimente</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Model · Video · Captions</source>
        <translation>Modell · Video · Beschreibungen</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Reference video</source>
        <translation>Referenzvideo</translation>
    </message>
    <message>
        <location line="-50"/>
        <source>This build has no experiment store (SQLite).</source>
        <translation>Dieser Build enthält keine Experimentdatenbank (SQLite).</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>CLIP scorer: the toy CLIP on the toy world</source>
        <translation>CLIP-Scorer: das Spielzeug-CLIP in der Spielzeugwelt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A CLIP model folder (e.g. openai/clip-vit-large-patch14) for the CLIP-score metric of real models; empty: the toy CLIP on the toy world, no CLIP metric otherwise</source>
        <translation>Ein CLIP-Modellordner (z. B. openai/clip-vit-large-patch14) für die CLIP-Score-Metrik echter Modelle; leer: das Spielzeug-CLIP in der Spielzeugwelt, sonst keine CLIP-Metrik</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Scorer…</source>
        <translation>Scorer…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Choose a CLIP model folder</source>
        <translation>CLIP-Modellordner wählen</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>an mp4/webm/gif file or a folder of frames</source>
        <translation>eine MP4-/WebM-/GIF-Datei oder ein Ordner mit Einzelbildern</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open…</source>
        <translation>Öffnen…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Open reference video</source>
        <translation>Referenzvideo öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Videos (*.mp4 *.webm *.mkv *.mov *.avi *.gif);;All files (*)</source>
        <translation>Videos (*.mp4 *.webm *.mkv *.mov *.avi *.gif);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Recent</source>
        <translation>Zuletzt verwendet</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Drop a video or a folder of frames here</source>
        <translation>Video oder Ordner mit Einzelbildern hier ablegen</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Shipped examples…</source>
        <translation>Mitgelieferte Beispiele…</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Captions</source>
        <translation>Beschreibungen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a red circle moves from left to right</source>
        <translation>a red circle moves from left to right</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The caption c that describes the reference video</source>
        <translation>Die Beschreibung c des Referenzvideos</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a blue square moves from left to right</source>
        <translation>a blue square moves from left to right</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The edited caption c′: the subject changed, the motion kept</source>
        <translation>Die bearbeitete Beschreibung c′: anderes Motiv, gleiche Bewegung</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Caption c</source>
        <translation>Beschreibung c</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edited c′</source>
        <translation>Bearbeitet c′</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Jobs · Log</source>
        <translation>Aufträge · Protokoll</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Engine jobs and messages appear here.</source>
        <translation>Aufträge und Meldungen der Engine erscheinen hier.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open model folder…</source>
        <translation>Modellordner ö&amp;ffnen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Recent &amp;models</source>
        <translation>Zuletzt geöffnete &amp;Modelle</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Export &amp;plots…</source>
        <translation>&amp;Plots exportieren…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About MotionProbe</source>
        <translation>&amp;Über MotionProbe</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+281"/>
        <source>No model</source>
        <translation>Kein Modell</translation>
    </message>
    <message>
        <location line="-264"/>
        <source>the prompt to generate with the learnt motion (default: the edited caption c′)</source>
        <translation>der Prompt, der mit der gelernten Bewegung generiert wird (Standard: die bearbeitete Beschreibung c′)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The τ of the Trade-off tab: training draws t ≥ τ, the LoRA acts while t ≥ τ</source>
        <translation>Das τ aus dem Trade-off-Tab: Das Training zieht t ≥ τ, die LoRA wirkt, solange t ≥ τ</translation>
    </message>
    <message>
        <location line="+225"/>
        <source>temporal V/O</source>
        <translation>temporale V/O</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>temporal Q/K/V/O</source>
        <translation>temporale Q/K/V/O</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>all attention</source>
        <translation>alle Attention-Schichten</translation>
    </message>
    <message>
        <location line="-221"/>
        <source>full (direct tuning)</source>
        <translation>voll (direktes Fine-Tuning)</translation>
    </message>
    <message>
        <location line="-128"/>
        <source>the model&apos;s own</source>
        <translation>wie das Modell</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Frames the model runs at, chosen evenly from the reference; a video shorter than the model&apos;s own count needs fewer</source>
        <translation>Bilder, mit denen das Modell läuft, gleichmäßig aus dem Referenzvideo gewählt; ein Video, das kürzer ist als die eigene Bildzahl des Modells, braucht weniger</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Frames</source>
        <translation>Bilder</translation>
    </message>
    <message>
        <location line="+144"/>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>While training, sample the prompt with the LoRA as trained so far this often</source>
        <translation>Während des Trainings den Prompt in diesem Abstand mit der bis dahin trainierten LoRA samplen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Seeds the training&apos;s noise and timesteps and the samples</source>
        <translation>Seed für das Rauschen und die Zeitschritte des Trainings sowie für die Samples</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Also train τ = 0 for comparison</source>
        <translation>Zum Vergleich auch τ = 0 trainieren</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Train and sample</source>
        <translation>Trainieren und samplen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Uses the reference video and the caption c of the left dock.</source>
        <translation>Verwendet das Referenzvideo und die Beschreibung c aus dem linken Dock.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>τ</source>
        <translation>τ</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Layers</source>
        <translation>Schichten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rank</source>
        <translation>Rang</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Alpha</source>
        <translation>Alpha</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training steps</source>
        <translation>Trainingsschritte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning rate</source>
        <translation>Lernrate</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sampling steps</source>
        <translation>Sampling-Schritte</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Training %1: step %2 of %3, loss %4; about %5 left</source>
        <translation>Training %1: Schritt %2 von %3, Loss %4; noch etwa %5</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the τ-LoRA</source>
        <translation>der τ-LoRA</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>the unconstrained LoRA</source>
        <translation>der uneingeschränkten LoRA</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1 · step %2</source>
        <translation>%1 · Schritt %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+460"/>
        <location line="+1"/>
        <source>LoRA t ≥ %1</source>
        <translation>LoRA t ≥ %1</translation>
    </message>
    <message>
        <location line="-460"/>
        <source>LoRA always</source>
        <translation>LoRA immer aktiv</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Wrote %1 (%2 frames, %3×%4)</source>
        <translation>%1 geschrieben (%2 Frames, %3×%4)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>[job %1] %2</source>
        <translation>[Auftrag %1] %2</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Done in %1 s; the LoRA files are in %2</source>
        <translation>Fertig in %1 s; die LoRA-Dateien liegen in %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>[job %1] customization written to %2</source>
        <translation>[Auftrag %1] Anpassung nach %2 geschrieben</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Open model folder</source>
        <translation>Modellordner öffnen</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Reading %1…</source>
        <translation>%1 wird gelesen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>[job %1] inspecting %2</source>
        <translation>[Auftrag %1] %2 wird untersucht</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>Latte&apos;s temporal_transformer_blocks</source>
        <translation>Lattes temporal_transformer_blocks</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ModelScope&apos;s transformer_in and temp_attentions</source>
        <translation>ModelScopes transformer_in und temp_attentions</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>joint attention V/O</source>
        <translation>gemeinsame Attention V/O</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>value and output projections of every transformer block&apos;s joint attention (CogVideoX has no separate temporal attention)</source>
        <translation>Value- und Ausgabeprojektionen der gemeinsamen Attention jedes Transformer-Blocks (CogVideoX hat keine eigene temporale Attention)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>value and output projections of the temporal attention: %1</source>
        <translation>Value- und Ausgabeprojektionen der temporalen Attention: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>joint attention Q/K/V/O</source>
        <translation>gemeinsame Attention Q/K/V/O</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>query, key, value and output projections of every transformer block&apos;s joint attention</source>
        <translation>Query-, Key-, Value- und Ausgabeprojektionen der gemeinsamen Attention jedes Transformer-Blocks</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>query, key, value and output projections of the temporal attention: %1</source>
        <translation>Query-, Key-, Value- und Ausgabeprojektionen der temporalen Attention: %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>query, key, value and output projections of every attention</source>
        <translation>Query-, Key-, Value- und Ausgabeprojektionen jeder Attention</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>%1 parameters</source>
        <translation>%1 Parameter</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Model: %1</source>
        <translation>Modell: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Model: %1 (not usable)</source>
        <translation>Modell: %1 (nicht verwendbar)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Model ready: %1</source>
        <translation>Modell bereit: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>The model has %n error(s); see Problems.</source>
        <translation>
            <numerusform>Das Modell hat %n Fehler; siehe Probleme.</numerusform>
            <numerusform>Das Modell hat %n Fehler; siehe Probleme.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>[job %1] %2: %3 components, %4 parameters, %5 error(s), %6 warning(s)</source>
        <translation>[Auftrag %1] %2: %3 Komponenten, %4 Parameter, %5 Fehler, %6 Warnung(en)</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>  error: %1</source>
        <translation>  Fehler: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>  warning: %1</source>
        <translation>  Warnung: %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>[job %1] failed: %2</source>
        <translation>[Auftrag %1] fehlgeschlagen: %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The probe failed: %1</source>
        <translation>Die Sondierung ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The probe failed; see the log</source>
        <translation>Die Sondierung ist fehlgeschlagen; siehe Protokoll</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The customization failed: %1</source>
        <translation>Die Anpassung ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The export failed: %1</source>
        <translation>Der Export ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cannot read this video: %1</source>
        <translation>Dieses Video kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Could not read the model folder</source>
        <translation>Der Modellordner konnte nicht gelesen werden</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>[job %1] cancelled</source>
        <translation>[Auftrag %1] abgebrochen</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>Cancelled; %n run(s) finished.</source>
        <translation>
            <numerusform>Abgebrochen; %n Lauf abgeschlossen.</numerusform>
            <numerusform>Abgebrochen; %n Läufe abgeschlossen.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <location line="+42"/>
        <location line="+44"/>
        <source>&amp;Clear list</source>
        <translation>Liste &amp;leeren</translation>
    </message>
    <message>
        <location line="-15"/>
        <source>Reading the video…</source>
        <translation>Das Video wird gelesen…</translation>
    </message>
    <message numerus="yes">
        <location line="+43"/>
        <source>closing: cancelling %n job(s)</source>
        <translation>
            <numerusform>beim Schließen: %n Auftrag wird abgebrochen</numerusform>
            <numerusform>beim Schließen: %n Aufträge werden abgebrochen</numerusform>
        </translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Reference video: %1</source>
        <translation>Referenzvideo: %1</translation>
    </message>
    <message>
        <location line="+44"/>
        <location line="+90"/>
        <source>Choose a reference video (or a shipped example) first.</source>
        <translation>Zuerst ein Referenzvideo (oder ein mitgeliefertes Beispiel) wählen.</translation>
    </message>
    <message>
        <location line="-88"/>
        <source>Write both captions: c for the video, c′ for the edit.</source>
        <translation>Beide Beschreibungen eingeben: c für das Video, c′ für die Bearbeitung.</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Inverting the reference…</source>
        <translation>Die Referenz wird invertiert…</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+93"/>
        <source>Loading the model and the reference…</source>
        <translation>Modell und Referenz werden geladen…</translation>
    </message>
    <message>
        <location line="-92"/>
        <source>[job %1] probe of %2: &quot;%3&quot; → &quot;%4&quot;, %5 steps, interval %6</source>
        <translation>[Auftrag %1] Sondierung von %2: „%3“ → „%4“, %5 Schritte, Abstand %6</translation>
    </message>
    <message numerus="yes">
        <location line="+24"/>
        <source>Probing: %n run(s) to go.</source>
        <translation>
            <numerusform>Sondierung: noch %n Lauf.</numerusform>
            <numerusform>Sondierung: noch %n Läufe.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Probing: %1 of %2 runs finished.</source>
        <translation>Sondierung: %1 von %2 Läufen fertig.</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Write the caption c and a prompt (or the edited caption c′).</source>
        <translation>Beschreibung c und einen Prompt (oder die bearbeitete Beschreibung c′) eingeben.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>LoRA τ = 0</source>
        <translation>LoRA τ = 0</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>[job %1] customization of %2: τ %3, %4, rank %5, %6 steps; prompt &quot;%7&quot;</source>
        <translation>[Auftrag %1] Anpassung an %2: τ %3, %4, Rang %5, %6 Schritte; Prompt „%7“</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>full</source>
        <translation>voll</translation>
    </message>
    <message numerus="yes">
        <location line="+26"/>
        <source>Reopened %1 (%n run(s)).</source>
        <translation>
            <numerusform>%1 wieder geöffnet (%n Lauf).</numerusform>
            <numerusform>%1 wieder geöffnet (%n Läufe).</numerusform>
        </translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Export the comparison as a video</source>
        <translation>Vergleich als Video exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>MP4 video (*.mp4);;WebM video (*.webm);;Lossless MKV (*.mkv);;Animated GIF (*.gif)</source>
        <translation>MP4-Video (*.mp4);;WebM-Video (*.webm);;Verlustfreies MKV (*.mkv);;Animiertes GIF (*.gif)</translation>
    </message>
    <message numerus="yes">
        <location line="+17"/>
        <source>[job %1] exporting %n clip(s) to %2</source>
        <translation>
            <numerusform>[Auftrag %1] %n Clip wird nach %2 exportiert</numerusform>
            <numerusform>[Auftrag %1] %n Clips werden nach %2 exportiert</numerusform>
        </translation>
    </message>
    <message>
        <location line="+13"/>
        <source>No probe to export: run or reopen one first.</source>
        <translation>Keine Sondierung zum Exportieren: Starten Sie zuerst eine oder öffnen Sie eine wieder.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Could not export the plots: %1</source>
        <translation>Die Plots konnten nicht exportiert werden: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>export failed: %1</source>
        <translation>Export fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>plots written: %1</source>
        <translation>Plots geschrieben: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n plot(s) written next to %1</source>
        <translation>
            <numerusform>%n Plot neben %1 geschrieben</numerusform>
            <numerusform>%n Plots neben %1 geschrieben</numerusform>
        </translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Suggested τ = %1 (%2). %3</source>
        <translation>Vorgeschlagenes τ = %1 (%2). %3</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>%n point(s) so far; a suggestion needs finite scores.</source>
        <translation>
            <numerusform>Bisher %n Punkt; ein Vorschlag braucht endliche Werte.</numerusform>
            <numerusform>Bisher %n Punkte; ein Vorschlag braucht endliche Werte.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+9"/>
        <source>original</source>
        <translation>Original</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>reconstruction (c)</source>
        <translation>Rekonstruktion (c)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>full edit (c′)</source>
        <translation>vollständige Bearbeitung (c′)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>c′ for %1 ≥ t ≥ %2</source>
        <translation>c′ für %1 ≥ t ≥ %2</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Done: %1 runs, %2 denoiser evaluations, %3 s.</source>
        <translation>Fertig: %1 Läufe, %2 Denoiser-Auswertungen, %3 s.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>[job %1] probe done in %2 s</source>
        <translation>[Auftrag %1] Sondierung fertig in %2 s</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>About MotionProbe</source>
        <translation>Über MotionProbe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;MotionProbe %1&lt;/h3&gt;&lt;p&gt;Finds the denoising timesteps at which a text-to-video diffusion model decides motion and those at which it decides appearance, and uses that boundary for one-shot motion customization.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MotionProbe %1&lt;/h3&gt;&lt;p&gt;Findet die Entrauschungs-Zeitschritte, in denen ein Text-zu-Video-Diffusionsmodell über die Bewegung entscheidet, und jene, in denen es über das Erscheinungsbild entscheidet, und nutzt diese Grenze für die One-Shot-Anpassung von Bewegungen.&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>mp::app::ModelPanel</name>
    <message>
        <location filename="../app/workbench/model_panel.cpp" line="+20"/>
        <source>No model open</source>
        <translation>Kein Modell geöffnet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open model folder…</source>
        <translation>Modellordner öffnen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A diffusers-format snapshot folder (model_index.json) or one component&apos;s folder (config.json)</source>
        <translation>Ein Snapshot-Ordner im diffusers-Format (model_index.json) oder der Ordner einer einzelnen Komponente (config.json)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Open a ModelScope, Latte or CogVideoX snapshot folder.</source>
        <translation>Öffnen Sie einen Snapshot-Ordner von ModelScope, Latte oder CogVideoX.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Component</source>
        <translation>Komponente</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Class</source>
        <translation>Klasse</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Parameters</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Dtypes</source>
        <translation>Datentypen</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Reading %1…</source>
        <translation>%1 wird gelesen…</translation>
    </message>
    <message numerus="yes">
        <location line="+11"/>
        <source>%1 · %2 parameters · %n component(s)</source>
        <translation>
            <numerusform>%1 · %2 Parameter · %n Komponente</numerusform>
            <numerusform>%1 · %2 Parameter · %n Komponenten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+7"/>
        <source>Schedule: %n steps, t = %1 … %2</source>
        <translation>
            <numerusform>Zeitplan: %n Schritt, t = %1 … %2</numerusform>
            <numerusform>Zeitplan: %n Schritte, t = %1 … %2</numerusform>
        </translation>
    </message>
    <message>
        <location line="+11"/>
        <source>denoiser</source>
        <translation>Denoiser</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>VAE</source>
        <translation>VAE</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>text encoder</source>
        <translation>Text-Encoder</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>tokenizer</source>
        <translation>Tokenizer</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>scheduler</source>
        <translation>Scheduler</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>scorer</source>
        <translation>Scorer</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>other component</source>
        <translation>sonstige Komponente</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>%1 — weights: %2</source>
        <translation>%1 — Gewichte: %2</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Could not read the folder.</source>
        <translation>Der Ordner konnte nicht gelesen werden.</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>No problems found.</source>
        <translation>Keine Probleme gefunden.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Problems: %1, %2</source>
        <translation>Probleme: %1, %2</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n error(s)</source>
        <translation>
            <numerusform>%n Fehler</numerusform>
            <numerusform>%n Fehler</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n warning(s)</source>
        <translation>
            <numerusform>%n Warnung</numerusform>
            <numerusform>%n Warnungen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>mp::widgets</name>
    <message>
        <location filename="../widgets/plot_export.cpp" line="+20"/>
        <source>there is no plot to save</source>
        <translation>es gibt keinen Plot zum Speichern</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>%1: a plot is saved as .png, .svg or .pdf</source>
        <translation>%1: Ein Plot wird als .png, .svg oder .pdf gespeichert</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>could not write %1</source>
        <translation>%1 konnte nicht geschrieben werden</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>PNG images (*.png)</source>
        <translation>PNG-Bilder (*.png)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SVG drawings (*.svg)</source>
        <translation>SVG-Zeichnungen (*.svg)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF-Dokumente (*.pdf)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Export the plots (one file per view)</source>
        <translation>Plots exportieren (eine Datei pro Ansicht)</translation>
    </message>
</context>
<context>
    <name>mp::widgets::CompareView</name>
    <message>
        <location filename="../widgets/compare_view.cpp" line="+20"/>
        <source>Click a heatmap cell to compare that resample with the original, the reconstruction and the full edit.</source>
        <translation>Klicken Sie auf eine Heatmap-Zelle, um diese Neugenerierung mit dem Original, der Rekonstruktion und der vollständigen Bearbeitung zu vergleichen.</translation>
    </message>
    <message>
        <location line="+18"/>
        <location line="+157"/>
        <source>Play</source>
        <translation>Abspielen</translation>
    </message>
    <message>
        <location line="-156"/>
        <source>Play or pause every clip together (Space)</source>
        <translation>Alle Clips gemeinsam abspielen oder anhalten (Leertaste)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>◀</source>
        <translation>◀</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One frame back (Left)</source>
        <translation>Ein Frame zurück (Pfeil links)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>▶</source>
        <translation>▶</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>One frame forward (Right)</source>
        <translation>Ein Frame vor (Pfeil rechts)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Loop</source>
        <translation>Schleife</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Fit</source>
        <translation>Einpassen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1×</source>
        <translation>%1×</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cell size: fitted to the view, or the frames&apos; pixels ×1, ×2, ×4</source>
        <translation>Zellgröße: an die Ansicht angepasst oder die Pixel der Frames ×1, ×2, ×4</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Export video…</source>
        <translation>Video exportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write these clips side by side, labelled, as one video</source>
        <translation>Diese Clips beschriftet nebeneinander als ein Video schreiben</translation>
    </message>
    <message>
        <location line="+129"/>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location line="+71"/>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
</context>
<context>
    <name>mp::widgets::HeatmapView</name>
    <message>
        <location filename="../widgets/heatmap_view.cpp" line="+50"/>
        <source>No data yet</source>
        <translation>Noch keine Daten</translation>
    </message>
    <message>
        <location line="+135"/>
        <source>%1 %2, %3 %4: %5</source>
        <translation>%1 %2, %3 %4: %5</translation>
    </message>
</context>
<context>
    <name>mp::widgets::LossCurveView</name>
    <message>
        <location filename="../widgets/loss_curve_view.cpp" line="+42"/>
        <source>step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loss</source>
        <translation>Loss</translation>
    </message>
</context>
<context>
    <name>mp::widgets::TradeOffView</name>
    <message>
        <location filename="../widgets/tradeoff_view.cpp" line="+37"/>
        <source>The τ_end = 0 pairs of a probe appear here</source>
        <translation>Die Paare mit τ_end = 0 einer Sondierung erscheinen hier</translation>
    </message>
</context>
</TS>
