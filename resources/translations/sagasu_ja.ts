<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="ja_JP">
  <context>
    <name>AdaptationPanel</name>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="75" />
      <source>Use the adapted ranking in search</source>
      <translation>適応した順位付けを検索に使う</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="76" />
      <source>Adapt now</source>
      <translation>今すぐ適応</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="78" />
      <source>Fit to your examples in the background; kept only where it does better</source>
      <translation>事例に合わせてバックグラウンドで学習します。良くなった部分だけを採用します</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="80" />
      <source>Cancel</source>
      <translation>中止</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="81" />
      <source>Roll back</source>
      <translation>元に戻す</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="82" />
      <source>Return to the previously adopted version</source>
      <translation>前に採用していた版に戻します</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="107" />
      <source>Nothing adopted: search uses the shipped ranking.</source>
      <translation>採用したものはありません。検索は標準の順位付けを使います。</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="109" />
      <source>Version {0}, adopted {1} from {2} labelled queries: {3}.</source>
      <translation>版 {0}、{1} に採用（ラベル付きの検索 {2} 件から）：{3}。</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="113" />
      <source>MRR on held-out examples {0:.2f} → {1:.2f}.</source>
      <translation>学習に使わなかった事例でのMRR {0:.2f} → {1:.2f}。</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="117" />
      <source>Switched off: search uses the shipped ranking.</source>
      <translation>オフにしています。検索は標準の順位付けを使います。</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="121" />
      <source>{0}: needs {1} more labelled queries ({2} of {3}).</source>
      <translation>{0}：あと {1} 件のラベル付き検索が必要です（{3} 件中 {2} 件）。</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="128" />
      <source>Last adaptation {0}: {1} labelled queries, {2} folds, {3:.1f} s</source>
      <translation>前回の適応 {0}：ラベル付きの検索 {1} 件、{2} 分割、{3:.1f} 秒</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="138" />
      <source>fold {0} ({1} to fit): {2}</source>
      <translation>分割 {0}（学習 {1} 件）：{2}</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="147" />
      <source>Recall@1 {0:.2f} → {1:.2f}, Recall@5 {2:.2f} → {3:.2f}, MRR {4:.2f} → {5:.2f}</source>
      <translation>Recall@1 {0:.2f} → {1:.2f}、Recall@5 {2:.2f} → {3:.2f}、MRR {4:.2f} → {5:.2f}</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="165" />
      <source>Adapting to your examples…</source>
      <translation>事例に合わせて適応中…</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="177" />
      <source>Cancelling…</source>
      <translation>中止しています…</translation>
    </message>
    <message>
      <location filename="../../desktop/adaptation_panel.py" line="204" />
      <source>Adaptation stopped: {0}</source>
      <translation>適応が停止しました：{0}</translation>
    </message>
  </context>
  <context>
    <name>DropZone</name>
    <message>
      <location filename="../../desktop/drop_zone.py" line="61" />
      <source>Only files on this computer can be dropped (not web links).</source>
      <translation>ドロップできるのはこのコンピュータ上のファイルだけです（Webリンクは不可）。</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="66" />
      <source>Nothing usable was dropped: drop an image file or a PDF.</source>
      <translation>使えるものがドロップされませんでした。画像ファイルかPDFをドロップしてください。</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="80" />
      <source>pasted image</source>
      <translation>貼り付けた画像</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="84" />
      <source>The pasted image cannot be used: {0}</source>
      <translation>貼り付けた画像は使えません：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="92" />
      <source>{0} is a folder. Add folders to index in Settings; drop a single image to search.</source>
      <translation>{0} はフォルダです。フォルダは設定でインデックス対象に追加してください。検索には画像を1枚ドロップします。</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="99" />
      <source>{0} does not exist.</source>
      <translation>{0} は存在しません。</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="108" />
      <source>{0} cannot be used as a query image: {1}</source>
      <translation>{0} は検索画像として使えません：{1}</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="126" />
      <source>{0} cannot be read as a PDF: {1}</source>
      <translation>{0} をPDFとして読めません：{1}</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="130" />
      <source>{0} p. {1}</source>
      <translation>{0} {1}ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="170" />
      <source>Drop an image or a PDF here, paste one (Ctrl+V), or use Open image…</source>
      <translation>画像やPDFをここにドロップ、貼り付け（Ctrl+V）、または「画像を開く…」</translation>
    </message>
    <message>
      <location filename="../../desktop/drop_zone.py" line="172" />
      <source>PDF page:</source>
      <translation>PDFのページ：</translation>
    </message>
  </context>
  <context>
    <name>EvaluationPanel</name>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="72" />
      <source>Evaluate now</source>
      <translation>今すぐ評価</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="74" />
      <source>Run every example's query and measure where its file comes</source>
      <translation>各事例の検索を実行し、正解のファイルが何位に来るかを測ります</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="76" />
      <source>Cancel</source>
      <translation>中止</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="90" />
      <source>No evaluation yet: confirm a few results, then Evaluate now.</source>
      <translation>まだ評価していません。いくつかの結果を確認してから「今すぐ評価」を押してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="97" />
      <source>Recall@1</source>
      <translation>Recall@1</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="98" />
      <source>Recall@5</source>
      <translation>Recall@5</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="99" />
      <source>MRR</source>
      <translation>MRR</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="101" />
      <source>No evaluation yet</source>
      <translation>まだ評価していません</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="107" />
      <source>Recall@1 {0:.2f} · Recall@5 {1:.2f} · MRR {2:.2f} — {3} queries, {4}</source>
      <translation>Recall@1 {0:.2f} · Recall@5 {1:.2f} · MRR {2:.2f} — 検索 {3} 件、{4}</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="117" />
      <source>Evaluating against your examples…</source>
      <translation>事例に対して評価中…</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="128" />
      <source>Cancelling…</source>
      <translation>中止しています…</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="140" />
      <source>Evaluation cancelled; nothing was recorded.</source>
      <translation>評価を中止しました。何も記録していません。</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="142" />
      <source>Nothing to evaluate yet: confirm a result first.</source>
      <translation>評価するものがまだありません。先に結果を確認してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/evaluation_panel.py" line="150" />
      <source>The evaluation stopped: {0}</source>
      <translation>評価が停止しました：{0}</translation>
    </message>
  </context>
  <context>
    <name>ExamplesDialog</name>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="109" />
      <source>Examples and evaluation</source>
      <translation>事例と評価</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="110" />
      <source>Examples</source>
      <translation>事例</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="111" />
      <source>Evaluation</source>
      <translation>評価</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="112" />
      <source>Adaptation</source>
      <translation>適応</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="115" />
      <source>Query</source>
      <translation>検索語</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="116" />
      <source>File</source>
      <translation>ファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="117" />
      <source>Page</source>
      <translation>ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="118" />
      <source>Verdict</source>
      <translation>判定</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="119" />
      <source>Date</source>
      <translation>日時</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="120" />
      <source>From</source>
      <translation>入力元</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="123" />
      <source>Remove</source>
      <translation>削除</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="124" />
      <source>Export CSV…</source>
      <translation>CSVに書き出し…</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="125" />
      <source>Import CSV…</source>
      <translation>CSVから取り込み…</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="160" />
      <source>photo: {0}</source>
      <translation>写真：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="167" />
      <source>{0} is no longer in the library.</source>
      <translation>{0} はもうライブラリにありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="177" />
      <source>This is it</source>
      <translation>これだ</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="177" />
      <source>Not this</source>
      <translation>これではない</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="182" />
      <source>window</source>
      <translation>ウィンドウ</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="182" />
      <source>import</source>
      <translation>取り込み</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="191" />
      <source>Select the examples to remove.</source>
      <translation>削除する事例を選択してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="200" />
      <source>Removed {0} examples.</source>
      <translation>事例を {0} 件削除しました。</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="207" />
      <source>Export the examples</source>
      <translation>事例を書き出す</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="207" />
      <location filename="../../desktop/examples_dialog.py" line="234" />
      <source>CSV files (*.csv)</source>
      <translation>CSVファイル (*.csv)</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="217" />
      <source>{0} queries written to {1}.</source>
      <translation>{0} 件の検索を {1} に書き出しました。</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="220" />
      <source>{0} photo queries left out: the photo is neither kept nor found.</source>
      <translation>写真による検索 {0} 件は書き出していません：写真が保存されておらず、見つかりもしません。</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="226" />
      <source>{0} “not this” examples left out: the CSV has no column for them.</source>
      <translation>「これではない」の事例 {0} 件は書き出していません：CSVにその列がありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="234" />
      <source>Import examples</source>
      <translation>事例を取り込む</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="243" />
      <source>Importing {0}…</source>
      <translation>{0} を取り込み中…</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="258" />
      <source>The CSV cannot be imported: {0}</source>
      <translation>CSVを取り込めません：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="262" />
      <source>{0} examples added, {1} already there.</source>
      <translation>事例を {0} 件追加しました（{1} 件は登録済み）。</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="267" />
      <location filename="../../desktop/examples_dialog.py" line="273" />
      <source>row {0}: {1}</source>
      <translation>{0} 行目：{1}</translation>
    </message>
    <message>
      <location filename="../../desktop/examples_dialog.py" line="270" />
      <source>{0} rows refused: {1}</source>
      <translation>{0} 行は取り込めませんでした：{1}</translation>
    </message>
  </context>
  <context>
    <name>LibraryTab</name>
    <message>
      <location filename="../../desktop/library_tab.py" line="35" />
      <source>This computer</source>
      <translation>このコンピュータ</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="36" />
      <source>Team server</source>
      <translation>チームサーバー</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="43" />
      <source>The system's certificates</source>
      <translation>システムの証明書</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="44" />
      <source>Browse…</source>
      <translation>参照…</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="54" />
      <source>Test connection</source>
      <translation>接続をテスト</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="59" />
      <source>Search in:</source>
      <translation>検索先：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="60" />
      <source>Server address:</source>
      <translation>サーバーのアドレス：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="61" />
      <source>Token:</source>
      <translation>トークン：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="62" />
      <source>CA bundle:</source>
      <translation>CAバンドル：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="63" />
      <source>Path mappings:</source>
      <translation>パスの対応：</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="66" />
      <source>One per line: SERVER PREFIX =&gt; LOCAL PREFIX. A result opens from this computer's copy; without one, the original can be downloaded. The token is kept in a file only you can read, in the index folder. Indexing, folders and models apply to this computer's index only.</source>
      <translation>1行に1つ：サーバー側の接頭辞 =&gt; このコンピュータ側の接頭辞。結果はこのコンピュータ上のコピーで開きます。コピーがなければ原本をダウンロードできます。トークンはインデックスのフォルダ内の、本人だけが読めるファイルに保存されます。インデックス作成・フォルダ・モデルはこのコンピュータのインデックスにだけ適用されます。</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="94" />
      <source>Path mappings, {0}</source>
      <translation>パスの対応、{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="96" />
      <source>Enter the team server's address, or search this computer.</source>
      <translation>チームサーバーのアドレスを入力するか、このコンピュータを検索してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="113" />
      <source>Enter the team server's address first.</source>
      <translation>先にチームサーバーのアドレスを入力してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="116" />
      <source>Connecting…</source>
      <translation>接続中…</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="131" />
      <source>Connected: {0} files in your folders on the server.</source>
      <translation>接続しました：サーバー上のあなたのフォルダに {0} 件のファイルがあります。</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="152" />
      <source>CA bundle</source>
      <translation>CAバンドル</translation>
    </message>
    <message>
      <location filename="../../desktop/library_tab.py" line="152" />
      <source>Certificates (*.pem *.crt *.cer);;All (*)</source>
      <translation>証明書 (*.pem *.crt *.cer);;すべて (*)</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <location filename="../../desktop/main_window.py" line="224" />
      <source>Sagasu — search PDFs and photos</source>
      <translation>探す — PDFと写真を検索</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="226" />
      <source>Search text, part numbers, descriptions… (English or Japanese)</source>
      <translation>文章・型番・説明で検索…（日本語・英語）</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="228" />
      <source>Open image…</source>
      <translation>画像を開く…</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="229" />
      <source>Paste image</source>
      <translation>画像を貼り付け</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="230" />
      <source>Index now</source>
      <translation>今すぐインデックス</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="231" />
      <source>Pause</source>
      <translation>一時停止</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="232" />
      <source>Cancel</source>
      <translation>中止</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="233" />
      <source>Settings…</source>
      <translation>設定…</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="234" />
      <source>Evaluation report</source>
      <translation>評価レポート</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="236" />
      <source>Open the latest report of `sagasu eval` for this index</source>
      <translation>このインデックスの最新の `sagasu eval` レポートを開く</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="273" />
      <source>Something went wrong: {0}</source>
      <translation>問題が発生しました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="308" />
      <source>{0} is missing (moved or deleted).</source>
      <translation>{0} が見つかりません（移動または削除されました）。</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="311" />
      <location filename="../../desktop/window_team.py" line="196" />
      <source>No application could open {0}.</source>
      <translation>{0} を開けるアプリケーションがありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="319" />
      <source>Open</source>
      <translation>開く</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="321" />
      <source>Open containing folder</source>
      <translation>フォルダを開く</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="322" />
      <source>Copy path</source>
      <translation>パスをコピー</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="324" />
      <source>Find similar</source>
      <translation>類似を検索</translation>
    </message>
    <message>
      <location filename="../../desktop/main_window.py" line="332" />
      <source>Stopping indexing…</source>
      <translation>インデックス作成を停止中…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="42" />
      <source>Paused</source>
      <translation>一時停止中</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="57" />
      <source>Indexing…</source>
      <translation>インデックス作成中…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="83" />
      <source>Text search works on every file now; pages and pictures are still being read.</source>
      <translation>すべてのファイルで文字検索が使えるようになりました。ページと画像はまだ読み込み中です。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="101" />
      <source>Indexing cancelled; what was indexed is kept. Index now to finish.</source>
      <translation>インデックス作成を中止しました。作成済みの分は保持されます。「今すぐインデックス」で続きを実行できます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="108" />
      <source>Indexed {0} new or changed files ({1} pages, {2} photos)</source>
      <translation>新規・変更ファイル {0} 件をインデックスしました（{1} ページ、写真 {2} 枚）</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="112" />
      <source>{0} skipped</source>
      <translation>{0} 件スキップ</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="119" />
      <source>Indexing stopped: {0}</source>
      <translation>インデックス作成が停止しました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="128" />
      <source>No evaluation report yet. Run `sagasu eval --report queries.csv` to measure this index with your own labelled queries.</source>
      <translation>評価レポートはまだありません。`sagasu eval --report queries.csv` を実行すると、ラベル付きのクエリでこのインデックスを評価できます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="150" />
      <source>{0} files indexed: {1} pages, {2} photos, {3} figures</source>
      <translation>インデックス済み {0} ファイル：{1} ページ、写真 {2} 枚、図 {3} 点</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="162" />
      <source>last update {0}</source>
      <translation>最終更新 {0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="183" />
      <source>Image search is off: the image model (CLIP) is not installed.</source>
      <translation>画像検索は無効です：画像モデル（CLIP）がインストールされていません。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="187" />
      <source>Text search works. Download the model or import a weights file you already have, then the images already indexed are encoded.</source>
      <translation>テキスト検索は使えます。モデルをダウンロードするか、お持ちの重みファイルを取り込むと、インデックス済みの画像が符号化されます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="194" />
      <source>Download…</source>
      <translation>ダウンロード…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="198" />
      <source>Import…</source>
      <translation>取り込み…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="209" />
      <source>Semantic text search is off.</source>
      <translation>意味によるテキスト検索はオフです。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="211" />
      <source>Word, part-number and image search work. The text model could not be loaded: {0}</source>
      <translation>語・型番・画像による検索は使えます。テキストモデルを読み込めませんでした：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="217" />
      <source>Models…</source>
      <translation>モデル…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="240" />
      <source>Add a folder…</source>
      <translation>フォルダを追加…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="248" />
      <source>Index the sample files</source>
      <translation>サンプルをインデックス</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="254" />
      <source>Welcome to Sagasu.</source>
      <translation>「探す」へようこそ。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="256" />
      <source>Add a folder of PDFs and photos to index; searching works while it indexes. Or try the bundled samples first.</source>
      <translation>PDFや写真のフォルダを追加するとインデックスを作成します。作成中も検索できます。まずは付属のサンプルで試すこともできます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_library.py" line="314" />
      <source>The new index location is used from the next start.</source>
      <translation>新しいインデックスの場所は次回起動時から使われます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="64" />
      <source>Searching…</source>
      <translation>検索中…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="89" />
      <source>Search failed: {0}</source>
      <translation>検索に失敗しました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="109" />
      <source>{0} results in {1} ms</source>
      <translation>{0} 件（{1} ミリ秒）</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="114" />
      <source>Reading the text on the photo…</source>
      <translation>写真の文字を読み取っています…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="144" />
      <source>Reading the dropped image…</source>
      <translation>ドロップされた画像を読み込み中…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="159" />
      <source>{0} files were dropped; searching with the first one.</source>
      <translation>{0} 個のファイルがドロップされました。最初のファイルで検索します。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="163" />
      <source>Searching by image: {0}</source>
      <translation>画像で検索：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="175" />
      <source>That cannot be used: {0}</source>
      <translation>使用できません：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="185" />
      <source>Search with an image</source>
      <translation>画像で検索</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="187" />
      <source>Images and PDFs (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pdf)</source>
      <translation>画像とPDF (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp *.pdf)</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="202" />
      <source>The clipboard holds no image.</source>
      <translation>クリップボードに画像がありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_search.py" line="210" />
      <source>Similar to: {0}</source>
      <translation>類似：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="87" />
      <source>This is it</source>
      <translation>これだ</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="89" />
      <source>Mark the selected result as the answer to this search (Ctrl+Y)</source>
      <translation>選択中の結果をこの検索の正解として記録（Ctrl+Y）</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="93" />
      <source>Not this</source>
      <translation>これではない</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="95" />
      <source>Mark the top result as wrong for this search (Ctrl+N)</source>
      <translation>先頭の結果をこの検索では誤りとして記録（Ctrl+N）</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="99" />
      <source>Pick the right file…</source>
      <translation>正しいファイルを選ぶ…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="101" />
      <source>None of these: choose the file and page that answer this search</source>
      <translation>どれも違う場合：この検索の答えになるファイルとページを選びます</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="105" />
      <source>Undo</source>
      <translation>元に戻す</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="107" />
      <source>Examples and evaluation…</source>
      <translation>事例と評価…</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="110" />
      <source>Your confirmed examples, how well search does on them, and adaptation</source>
      <translation>確認した事例、それに対する検索の成績、適応</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="208" />
      <source>{0} p. {1}</source>
      <translation>{0} {1}ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="212" />
      <source>Saved as an example: “{0}” → {1}</source>
      <translation>事例として保存しました：「{0}」→ {1}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="216" />
      <source>Saved as an example: “{0}” is not {1}</source>
      <translation>事例として保存しました：「{0}」は {1} ではない</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="221" />
      <source>{0} more before adaptation can start</source>
      <translation>適応を始めるまであと {0} 件</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="233" />
      <source>Not saved: {0}</source>
      <translation>保存しませんでした：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/window_feedback.py" line="265" />
      <source>Example removed.</source>
      <translation>事例を削除しました。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="80" />
      <source>Team server {0}: </source>
      <translation>チームサーバー {0}：</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="86" />
      <source>The team server indexes its own folders; choose This computer in Settings → Library to index here.</source>
      <translation>チームサーバーは自身のフォルダをインデックスします。ここでインデックスするには 設定 → ライブラリ で「このコンピュータ」を選んでください。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="111" />
      <source>The team server is offline.</source>
      <translation>チームサーバーに接続できません。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="115" />
      <source>This computer's index can still be searched.</source>
      <translation>このコンピュータのインデックスは引き続き検索できます。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="120" />
      <source>Search this computer</source>
      <translation>このコンピュータを検索</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="164" />
      <source>{0} is not on this computer (looked for {1}).</source>
      <translation>{0} はこのコンピュータにありません（{1} を探しました）。</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="170" />
      <source>Download from the server and open</source>
      <translation>サーバーからダウンロードして開く</translation>
    </message>
    <message>
      <location filename="../../desktop/window_team.py" line="184" />
      <source>Downloading {0}…</source>
      <translation>{0} をダウンロード中…</translation>
    </message>
  </context>
  <context>
    <name>Messages</name>
    <message>
      <location filename="../../desktop/messages.py" line="24" />
      <source>Looking for files</source>
      <translation>ファイルを探しています</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="25" />
      <source>Reading text (word search)</source>
      <translation>文字を読み込み中（語句検索）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="26" />
      <source>Encoding text</source>
      <translation>文章をベクトル化中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="27" />
      <source>Reading pages and pictures</source>
      <translation>ページと画像を読み込み中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="28" />
      <source>Encoding images</source>
      <translation>画像をエンコード中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="29" />
      <source>Calibrating scores</source>
      <translation>スコアを調整中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="30" />
      <source>Updating the figure index</source>
      <translation>図の索引を更新中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="31" />
      <source>Reading text in scans and photos</source>
      <translation>スキャンや写真の文字を読み取り中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="32" />
      <source>Forgetting a removed folder</source>
      <translation>削除したフォルダの情報を消去中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="33" />
      <source>Evaluating</source>
      <translation>評価中</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="39" />
      <source>Type a query or drop an image to search.</source>
      <translation>検索語を入力するか、画像をドロップしてください。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="42" />
      <source>Nothing to search for in “{text}”: only common words or symbols.</source>
      <translation>「{text}」には検索できる語がありません（一般的な語や記号だけです）。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="45" />
      <source>No matches.</source>
      <translation>見つかりませんでした。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="46" />
      <source>Reading the text on the photo…</source>
      <translation>写真の文字を読み取っています…</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="49" />
      <source>Read from the photo: {terms}</source>
      <translation>写真から読み取った文字：{terms}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="52" />
      <source>Image search is off: {problem}</source>
      <translation>画像検索はオフです：{problem}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="55" />
      <source>Semantic text search is off (word search still works): {problem}</source>
      <translation>意味によるテキスト検索はオフです（語による検索は使えます）：{problem}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="58" />
      <source>Text on photos is not read: {problem}</source>
      <translation>写真の文字は読み取られません：{problem}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="61" />
      <source>Japanese OCR: {problem}</source>
      <translation>日本語のOCR：{problem}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="64" />
      <source>That result is no longer in the index.</source>
      <translation>その結果はもうインデックスにありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="67" />
      <source>No file mentions {part}; the results are only related.</source>
      <translation>{part} を含むファイルはありません。以下は関連する結果です。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="70" />
      <source>This index folder is read-only: searching works, but indexing and changing settings are unavailable.</source>
      <translation>このインデックスフォルダは読み取り専用です。検索はできますが、インデックス作成と設定の変更はできません。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="80" />
      <source>text similarity ({similarity:.2f})</source>
      <translation>文章の類似度（{similarity:.2f}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="83" />
      <source>looks like the description ({similarity:.2f})</source>
      <translation>説明に合う見た目（{similarity:.2f}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="86" />
      <source>visually similar ({similarity:.2f})</source>
      <translation>見た目が似ている（{similarity:.2f}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="89" />
      <source>text about it ({similarity:.2f})</source>
      <translation>これについての文章（{similarity:.2f}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="92" />
      <source>terms: {terms}</source>
      <translation>含まれる語：{terms}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="93" />
      <source>text read from the photo: {terms}</source>
      <translation>写真から読み取った語：{terms}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="96" />
      <source>part number {part}</source>
      <translation>型番 {part}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="97" />
      <source>similar part number {part}</source>
      <translation>類似の型番 {part}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="100" />
      <source>part number {part} (read from the photo)</source>
      <translation>型番 {part}（写真から読み取り）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="103" />
      <source>similar part number {part} (read from the photo)</source>
      <translation>類似の型番 {part}（写真から読み取り）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="106" />
      <source>figure matched ({inliers} inliers)</source>
      <translation>図が一致（対応点 {inliers} 個）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="109" />
      <source>shows the text read from the photo ({share:.0%}): “{excerpt}”</source>
      <translation>写真から読み取った文章が載っている（{share:.0%}）：「{excerpt}」</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="112" />
      <source>{detail}</source>
      <translation>{detail}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="113" />
      <source>could not be read ({error})</source>
      <translation>読み込めませんでした（{error}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="116" />
      <source>reading it gave nothing for {seconds:.0f} s and was stopped (setting extract_stall_seconds)</source>
      <translation>{seconds:.0f} 秒間読み込みが進まなかったため中止しました（設定 extract_stall_seconds）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="121" />
      <source>reading it took over {seconds:.0f} s and was stopped (setting extract_file_seconds)</source>
      <translation>読み込みに {seconds:.0f} 秒以上かかったため中止しました（設定 extract_file_seconds）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="125" />
      <source>the process reading it ended unexpectedly ({detail})</source>
      <translation>読み込み中のプロセスが予期せず終了しました（{detail}）</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="133" />
      <source>The disk holding the search index is full. Free some space, then index again; what was indexed is kept.</source>
      <translation>検索インデックスを置いたディスクがいっぱいです。空き容量を作ってから、もう一度インデックスしてください。インデックス済みの分はそのまま残ります。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="138" />
      <source>The index folder is read-only: searching works, but indexing and changing settings need write access to it.</source>
      <translation>インデックスフォルダは読み取り専用です。検索はできますが、インデックス作成と設定の変更にはこのフォルダへの書き込み権限が必要です。</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="149" />
      <source>Fusion weights</source>
      <translation>信号の統合の重み</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="150" />
      <source>Calibration</source>
      <translation>スコアの較正</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="151" />
      <source>Learned aligner</source>
      <translation>学習した対応付け</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="158" />
      <source>adopted</source>
      <translation>採用</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="159" />
      <source>not adopted: no better on held-out examples</source>
      <translation>不採用：学習に使わなかった事例で良くならなかった</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="162" />
      <source>not tried: too few examples</source>
      <translation>未実施：事例が足りない</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="163" />
      <source>not tried: no image model</source>
      <translation>未実施：画像モデルがない</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="166" />
      <source>cancelled</source>
      <translation>中止</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="205" />
      <source>{0} of {1} files</source>
      <translation>{0} / {1} ファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="207" />
      <source>{0} of {1}</source>
      <translation>{0} / {1}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="211" />
      <source>{0} files found</source>
      <translation>{0} 個のファイルを発見</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="214" />
      <source>{0} of {1} pages</source>
      <translation>{0} / {1} ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="219" />
      <source>{0} pages</source>
      <translation>{0} ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="221" />
      <source>{0:.1f} pages/s</source>
      <translation>{0:.1f} ページ/秒</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="224" />
      <source>about {0} left</source>
      <translation>残り約 {0}</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="241" />
      <source>word search on {0} files, pictures on {1} so far</source>
      <translation>語句検索は {0} ファイルで可能、画像は今のところ {1} ファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="249" />
      <source>{0} s</source>
      <translation>{0} 秒</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="251" />
      <source>{0} min</source>
      <translation>{0} 分</translation>
    </message>
    <message>
      <location filename="../../desktop/messages.py" line="252" />
      <source>{0} h {1} min</source>
      <translation>{0} 時間 {1} 分</translation>
    </message>
  </context>
  <context>
    <name>OcrSettings</name>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="22" />
      <source>Read text in scans and photos (OCR)</source>
      <translation>スキャンや写真の文字を読み取る（OCR）</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="26" />
      <source>Automatic: RapidOCR, and Tesseract for Japanese and scans</source>
      <translation>自動：RapidOCR、日本語とスキャンにはTesseract</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="27" />
      <source>RapidOCR only</source>
      <translation>RapidOCRのみ</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="28" />
      <source>Tesseract only</source>
      <translation>Tesseractのみ</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="34" />
      <source>Japanese</source>
      <translation>日本語</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="35" />
      <source>English</source>
      <translation>英語</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="43" />
      <source>found automatically</source>
      <translation>自動で検出</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="48" />
      <source>OCR engine:</source>
      <translation>OCRエンジン：</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="49" />
      <source>Languages of the print:</source>
      <translation>読み取る文字の言語：</translation>
    </message>
    <message>
      <location filename="../../desktop/ocr_settings.py" line="50" />
      <source>Tesseract program:</source>
      <translation>Tesseractのプログラム：</translation>
    </message>
  </context>
  <context>
    <name>PickTargetDialog</name>
    <message>
      <location filename="../../desktop/pick_target.py" line="55" />
      <source>The right file for this search</source>
      <translation>この検索の正しいファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="56" />
      <source>Which file and page answer “{0}”?</source>
      <translation>「{0}」の答えになるファイルとページは？</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="59" />
      <source>(one of the results)</source>
      <translation>（結果の中から選ぶ）</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="64" />
      <source>Choose a file…</source>
      <translation>ファイルを選ぶ…</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="84" />
      <source>Save as the answer</source>
      <translation>答えとして保存</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="89" />
      <source>File:</source>
      <translation>ファイル：</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="91" />
      <source>Page:</source>
      <translation>ページ：</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="112" />
      <source>The file that answers the search</source>
      <translation>検索の答えになるファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="114" />
      <source>PDFs and images (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp)</source>
      <translation>PDFと画像 (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.bmp *.webp)</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="124" />
      <source>{0} is not in an indexed folder: choose a file the library has.</source>
      <translation>{0} はインデックス対象のフォルダにありません。ライブラリにあるファイルを選んでください。</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="179" />
      <source>Loading the preview…</source>
      <translation>プレビューを読み込み中…</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="190" />
      <source>No preview</source>
      <translation>プレビューなし</translation>
    </message>
    <message>
      <location filename="../../desktop/pick_target.py" line="199" />
      <source>That file cannot be read: {0}</source>
      <translation>そのファイルは読み込めません：{0}</translation>
    </message>
  </context>
  <context>
    <name>PreviewPane</name>
    <message>
      <location filename="../../desktop/preview.py" line="99" />
      <source>Select a result to preview it.</source>
      <translation>結果を選択するとプレビューを表示します。</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="102" />
      <source>Copy path</source>
      <translation>パスをコピー</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="103" />
      <source>Copy the full path of this file</source>
      <translation>このファイルのフルパスをコピー</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="114" />
      <source>This file is missing.</source>
      <translation>このファイルは見つかりません。</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="117" />
      <source>It was moved or deleted since it was indexed.</source>
      <translation>インデックス作成後に移動または削除されました。</translation>
    </message>
    <message>
      <location filename="../../desktop/preview.py" line="132" />
      <source>No preview</source>
      <translation>プレビューなし</translation>
    </message>
  </context>
  <context>
    <name>Repair</name>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="35" />
      <source>The search index is missing or empty, although folders were indexed.</source>
      <translation>検索インデックスが見つからないか空です（フォルダはインデックス済みでした）。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="38" />
      <source>The search index holds no data, although folders were indexed.</source>
      <translation>検索インデックスにデータがありません（フォルダはインデックス済みでした）。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="41" />
      <source>The search index file was overwritten and cannot be read.</source>
      <translation>検索インデックスのファイルが上書きされていて読み取れません。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="44" />
      <source>The search index file is cut short (truncated).</source>
      <translation>検索インデックスのファイルが途中で切れています（破損）。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="47" />
      <source>The search index file is damaged.</source>
      <translation>検索インデックスのファイルが破損しています。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="67" />
      <source>Close Sagasu and start it again to rebuild it.</source>
      <translation>再構築するには、探すを終了してもう一度起動してください。</translation>
    </message>
  </context>
  <context>
    <name>RepairDialog</name>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="85" />
      <source>Sagasu — the search index is damaged</source>
      <translation>探す — 検索インデックスが破損しています</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="91" />
      <source>Sagasu can rebuild it: the damaged file is kept in the “{0}” folder of {1}, the last good backup is restored and your folders are indexed again (only what changed since the backup). Your settings are kept.</source>
      <translation>再構築できます。破損したファイルは {1} の「{0}」フォルダに保管し、最後の正常なバックアップを復元してから、フォルダをもう一度インデックスします（バックアップ以降に変わった分だけ）。設定はそのまま残ります。</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="101" />
      <source>Rebuild the index</source>
      <translation>インデックスを再構築</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="102" />
      <source>Quit</source>
      <translation>終了</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="117" />
      <source>Restoring the last good backup…</source>
      <translation>最後の正常なバックアップを復元しています…</translation>
    </message>
    <message>
      <location filename="../../desktop/repair_dialog.py" line="141" />
      <source>The index could not be rebuilt: {0}</source>
      <translation>インデックスを再構築できませんでした：{0}</translation>
    </message>
  </context>
  <context>
    <name>ResultsModel</name>
    <message>
      <location filename="../../desktop/results_model.py" line="86" />
      <source>p. {0}</source>
      <translation>{0}ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="88" />
      <source>missing</source>
      <translation>ファイルなし</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="97" />
      <source>Page {0}</source>
      <translation>{0}ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="98" />
      <source>Kind: {0}</source>
      <translation>種類：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="99" />
      <source>Score: {0}</source>
      <translation>スコア：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="102" />
      <source>Why it matched: {0}</source>
      <translation>一致した理由：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="105" />
      <source>Also on pages: {0}</source>
      <translation>他の該当ページ：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="107" />
      <source>File is missing</source>
      <translation>ファイルが見つかりません</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="114" />
      <source>page</source>
      <translation>ページ</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="115" />
      <source>figure</source>
      <translation>図</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="116" />
      <source>photo</source>
      <translation>写真</translation>
    </message>
    <message>
      <location filename="../../desktop/results_model.py" line="117" />
      <source>text</source>
      <translation>本文</translation>
    </message>
  </context>
  <context>
    <name>SettingsDialog</name>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="56" />
      <source>Sagasu settings</source>
      <translation>「探す」の設定</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="64" />
      <source>Folders</source>
      <translation>フォルダ</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="65" />
      <source>Models</source>
      <translation>モデル</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="66" />
      <source>General</source>
      <translation>全般</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="68" />
      <source>Library</source>
      <translation>ライブラリ</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="89" />
      <source>Add folder…</source>
      <translation>フォルダを追加…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="91" />
      <source>Remove</source>
      <translation>削除</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="94" />
      <source>e.g. *.pdf, drawings/**</source>
      <translation>例：*.pdf, drawings/**</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="96" />
      <source>e.g. old/**, *_draft.pdf</source>
      <translation>例：old/**, *_draft.pdf</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="104" />
      <source>Include only:</source>
      <translation>対象のみ：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="105" />
      <source>Exclude:</source>
      <translation>除外：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="107" />
      <source>Folders to index (PDFs and photos inside are searched):</source>
      <translation>インデックスするフォルダ（中のPDFと写真が検索対象になります）：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="115" />
      <source>Folder to index</source>
      <translation>インデックスするフォルダ</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="163" />
      <source>Model</source>
      <translation>モデル</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="163" />
      <source>State</source>
      <translation>状態</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="163" />
      <source>Details</source>
      <translation>詳細</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="168" />
      <source>Use selected model</source>
      <translation>選択したモデルを使う</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="170" />
      <source>Download selected…</source>
      <translation>選択したモデルをダウンロード…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="172" />
      <source>Import weights file…</source>
      <translation>重みファイルを取り込み…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="192" />
      <source>Checking installed models…</source>
      <translation>インストール済みのモデルを確認中…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="200" />
      <source>installed</source>
      <translation>インストール済み</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="200" />
      <source>missing</source>
      <translation>未インストール</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="225" />
      <source>Select an image (CLIP) model first.</source>
      <translation>先に画像（CLIP）モデルを選択してください。</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="228" />
      <source>Downloading {0}…</source>
      <translation>{0} をダウンロード中…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="237" />
      <source>CLIP weights file</source>
      <translation>CLIPの重みファイル</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="245" />
      <source>Importing {0}…</source>
      <translation>{0} を取り込み中…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="265" />
      <source>Installed: {0}</source>
      <translation>インストールしました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="284" />
      <source>Automatic (GPU when available)</source>
      <translation>自動（使えればGPU）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="285" />
      <source>CPU</source>
      <translation>CPU</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="286" />
      <source>GPU (CUDA)</source>
      <translation>GPU（CUDA）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="287" />
      <source>GPU (Apple)</source>
      <translation>GPU（Apple）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="293" />
      <source>Automatic (bfloat16 where the CPU supports it)</source>
      <translation>自動（CPUが対応していればbfloat16）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="294" />
      <source>Full precision (float32)</source>
      <translation>完全精度（float32）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="295" />
      <source>bfloat16 (faster on recent CPUs)</source>
      <translation>bfloat16（最近のCPUで高速）</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="300" />
      <source>Follow the system</source>
      <translation>システムに従う</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="351" />
      <source>The token cannot be saved in {0}: {1}</source>
      <translation>トークンを {0} に保存できません：{1}</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="304" />
      <source>Watch folders for changes</source>
      <translation>フォルダの変更を監視する</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="308" />
      <source> min</source>
      <translation> 分</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="311" />
      <source>Browse…</source>
      <translation>参照…</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="317" />
      <source>Device:</source>
      <translation>デバイス：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="318" />
      <source>Precision on the CPU:</source>
      <translation>CPUでの計算精度：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="319" />
      <source>Language:</source>
      <translation>言語：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="322" />
      <source>Full rescan every:</source>
      <translation>全体の再スキャン間隔：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="323" />
      <source>Index location:</source>
      <translation>インデックスの場所：</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="324" />
      <source>A new index location is used from the next start.</source>
      <translation>新しいインデックスの場所は次回起動時から使われます。</translation>
    </message>
    <message>
      <location filename="../../desktop/settings_dialog.py" line="330" />
      <source>Index location</source>
      <translation>インデックスの場所</translation>
    </message>
  </context>
  <context>
    <name>TeamMessages</name>
    <message>
      <location filename="../../desktop/team_messages.py" line="15" />
      <source>The team server at {0} does not answer: {1}</source>
      <translation>{0} のチームサーバーが応答しません：{1}</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="20" />
      <source>The server does not accept this token.</source>
      <translation>サーバーがこのトークンを受け付けません。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="23" />
      <source>This item is not readable with your token.</source>
      <translation>この項目はあなたのトークンでは読めません。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="26" />
      <source>The image is too large for the server.</source>
      <translation>画像がサーバーの上限を超えています。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="29" />
      <source>The server cannot read this image.</source>
      <translation>サーバーがこの画像を読めません。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="32" />
      <source>The server is busy repairing its index; try again shortly.</source>
      <translation>サーバーはインデックスを修復中です。しばらくしてからもう一度お試しください。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="35" />
      <source>The file is no longer on the server's disk.</source>
      <translation>このファイルはもうサーバーのディスクにありません。</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="39" />
      <source>The server answered: {0}</source>
      <translation>サーバーの応答：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="42" />
      <source>Something went wrong: {0}</source>
      <translation>問題が発生しました：{0}</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="50" />
      <source>no answer in time</source>
      <translation>時間内に応答がありません</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="51" />
      <source>connection refused or no route</source>
      <translation>接続が拒否されたか、経路がありません</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="54" />
      <source>its certificate is not trusted; set the CA bundle in Settings → Library</source>
      <translation>証明書が信頼されていません。設定 → ライブラリ でCAバンドルを指定してください</translation>
    </message>
    <message>
      <location filename="../../desktop/team_messages.py" line="58" />
      <source>the connection broke off</source>
      <translation>接続が途中で切れました</translation>
    </message>
  </context>
</TS>