"""Import the recommendation tables councils already keep in Word, Excel and CSV files.

``readers`` turns a file into tables of Markdown cells (refusing what is not a safe table),
``recognise`` knows the headings, words, labels and dates the papers use, ``preview`` turns
a table and a choice of columns into the rows that would be saved, with each row's errors;
``services.import_table`` saves them, all or nothing."""
