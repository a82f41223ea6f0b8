<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>main</name>
    <message>
        <location filename="../app/gui/main.cpp" line="+49"/>
        <source>Where text-to-video diffusion models decide motion: the workbench.</source>
        <translation>Wo Text-zu-Video-Diffusionsmodelle die Bewegung festlegen: die Werkbank.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>A model folder to open.</source>
        <translation>Ein zu öffnender Modellordner.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save a picture of the window to &lt;file&gt; and quit (for documentation and CI).</source>
        <translation>Ein Bild des Fensters in &lt;file&gt; speichern und beenden (für Dokumentation und CI).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>file</source>
        <translation>Datei</translation>
    </message>
</context>
<context>
    <name>mp::app::MainWindow</name>
    <message>
        <location filename="../app/workbench/main_window.cpp" line="+68"/>
        <location line="+23"/>
        <source>Probe</source>
        <translation>Sondierung</translation>
    </message>
    <message>
        <location line="-22"/>
        <source>(τ_start, τ_end) heatmaps of CLIP-score change and flow similarity; click a cell to watch that resample beside the original.</source>
        <translation>(τ_start, τ_end)-Heatmaps der CLIP-Score-Änderung und der Flussähnlichkeit; ein Klick auf eine Zelle zeigt diese Neuabtastung neben dem Original.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>CLIP-score change toward c′</source>
        <translation>CLIP-Score-Änderung in Richtung c′</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Flow similarity to the original</source>
        <translation>Flussähnlichkeit zum Original</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>τ_end</source>
        <translation>τ_end</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>τ_start</source>
        <translation>τ_start</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No probe yet</source>
        <translation>Noch keine Sondierung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Δ CLIP score</source>
        <translation>Δ CLIP-Score</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>flow similarity</source>
        <translation>Flussähnlichkeit</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Trade-off</source>
        <translation>Abwägung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The τ_end = 0 trade-off curve between appearance change and kept motion, its Pareto frontier, and the suggested boundary τ.</source>
        <translation>Die Abwägungskurve für τ_end = 0 zwischen Änderung des Aussehens und erhaltener Bewegung, ihre Pareto-Front und die vorgeschlagene Grenze τ.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Compare</source>
        <translation>Vergleich</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Original | reconstruction | resample, side by side and in sync, for any probed (τ_start, τ_end) pair.</source>
        <translation>Original | Rekonstruktion | Neuabtastung, nebeneinander und synchron, für jedes sondierte (τ_start, τ_end)-Paar.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Customize</source>
        <translation>Anpassen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A temporal LoRA trained only at t ≥ τ and applied only while t ≥ τ, compared with unconstrained training (τ = 0) and the base model.</source>
        <translation>Eine zeitliche LoRA, nur bei t ≥ τ trainiert und nur bei t ≥ τ angewendet, verglichen mit uneingeschränktem Training (τ = 0) und dem Basismodell.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Experiments</source>
        <translation>Experimente</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>TGVE benchmark tables and figures for the probe and customization, sharded over GPUs.</source>
        <translation>TGVE-Benchmark-Tabellen und -Abbildungen für Sondierung und Anpassung, auf mehrere GPUs verteilt.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Model · Video · Captions</source>
        <translation>Modell · Video · Beschreibungen</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Reference video</source>
        <translation>Referenzvideo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reference video — open an mp4/webm/gif or a frame folder (coming with video I/O).</source>
        <translation>Referenzvideo — eine mp4/webm/gif-Datei oder einen Bildordner öffnen (kommt mit der Video-Ein-/Ausgabe).</translation>
    </message>
    <message>
        <location line="+9"/>
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
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location line="+4"/>
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
        <location line="+45"/>
        <source>No model</source>
        <translation>Kein Modell</translation>
    </message>
    <message>
        <location line="-21"/>
        <source>Open model folder</source>
        <translation>Modellordner öffnen</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Reading %1…</source>
        <translation>Lese %1…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>[job %1] inspecting %2</source>
        <translation>[Auftrag %1] prüfe %2</translation>
    </message>
    <message>
        <location line="+8"/>
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
        <location line="+3"/>
        <source>Could not read the model folder</source>
        <translation>Der Modellordner konnte nicht gelesen werden</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>[job %1] cancelled</source>
        <translation>[Auftrag %1] abgebrochen</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>&amp;Clear list</source>
        <translation>Liste &amp;leeren</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>About MotionProbe</source>
        <translation>Über MotionProbe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;MotionProbe %1&lt;/h3&gt;&lt;p&gt;Finds the denoising timesteps at which a text-to-video diffusion model decides motion and those at which it decides appearance, and uses that boundary for one-shot motion customization.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;MotionProbe %1&lt;/h3&gt;&lt;p&gt;Findet die Entrauschungsschritte, in denen ein Text-zu-Video-Diffusionsmodell die Bewegung festlegt, und jene, in denen es das Aussehen festlegt, und nutzt diese Grenze für die Bewegungsanpassung aus einem einzigen Video.&lt;/p&gt;</translation>
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
        <translation>Ein Snapshot-Ordner im diffusers-Format (model_index.json) oder der Ordner einer Komponente (config.json)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Open a ModelScope, Latte or CogVideoX snapshot folder.</source>
        <translation>Einen Snapshot-Ordner von ModelScope, Latte oder CogVideoX öffnen.</translation>
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
        <translation>Lese %1…</translation>
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
        <location line="+17"/>
        <source>%1 — weights: %2</source>
        <translation>%1 — Gewichte: %2</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Could not read the folder.</source>
        <translation>Der Ordner konnte nicht gelesen werden.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>No problems found.</source>
        <translation>Keine Probleme gefunden.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Problems: %1 error(s), %2 warning(s)</source>
        <translation>Probleme: %1 Fehler, %2 Warnung(en)</translation>
    </message>
</context>
<context>
    <name>mp::widgets::HeatmapView</name>
    <message>
        <location filename="../widgets/heatmap_view.cpp" line="+49"/>
        <source>No data yet</source>
        <translation>Noch keine Daten</translation>
    </message>
</context>
</TS>
